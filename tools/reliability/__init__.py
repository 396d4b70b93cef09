"""Live-server reliability runs: real gunicorn processes, PostgreSQL, storage (docs/reliability.md)."""
