"""The domain knows no HTTP: services, selectors and the project modules they import import nothing from DRF."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "assets", "categories", "references")


def project_imports(path: Path) -> tuple[set[str], set[str]]:
    """(project modules, other top-level modules) that a file imports."""
    project, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.ImportFrom) and node.module in APPS:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            (project if name.split(".")[0] in APPS else others).add(name)
    return project, others


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else None


@pytest.mark.parametrize("start", [f"{app}.{layer}" for app in APPS for layer in ("services", "selectors")])
def test_services_and_selectors_import_nothing_from_drf(start):
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        project, others = project_imports(path)
        drf = sorted(other for other in others if other.split(".")[0] == "rest_framework")
        assert not drf, f"{name} imports {drf}"
        todo.extend(project)
    assert start in seen
