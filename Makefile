# Shortcuts; the same commands work without make (python3 tasks.py ...).
.PHONY: run test lint bench
run:
	python3 tasks.py run
test:
	python3 tasks.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
