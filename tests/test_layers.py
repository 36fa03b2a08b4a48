"""The layers of ``service.layers`` hold: no import goes up, no cycle between packages, and the engine
and form layers know nothing of Flask or the service."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from service.layers import LAYERS, layer_of

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"


def _unit(path: Path) -> str:
    """The top-level name under ``service`` a file belongs to (package or module)."""
    rel = path.relative_to(SERVICE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``service.<top>`` a file imports, with the line — function-level imports included."""
    rel = path.relative_to(ROOT).with_suffix("")
    module = list(rel.parts)
    package = module if module[-1] == "__init__" else module[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [f"{target}.{alias.name}" for alias in node.names] if node.module is None else [target]
            else:
                names = [node.module or ""]
            found += [(name, node.lineno) for name in names]
    return found


def _service_files() -> list[Path]:
    return [p for p in SERVICE.rglob("*.py") if "migrations" not in p.relative_to(SERVICE).parts]


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    wrong_way = []
    files = _service_files()
    units = {_unit(p) for p in files}
    for path in files:
        source = _unit(path)
        for name, line in _imports(path):
            parts = name.split(".")
            if parts[0] != "service" or len(parts) < 2:
                continue
            target = parts[1] if parts[1] in units else "__init__"  # ``from . import create_app``
            if target == source:
                continue
            edges[source].add(target)
            if layer_of(target) > layer_of(source):
                wrong_way.append(f"{path.relative_to(ROOT)}:{line} {source} → {target}")
    return edges, wrong_way


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in _service_files()}
    placed = {name for layer in LAYERS for name in layer}
    assert units <= placed, f"not in service.layers.LAYERS: {sorted(units - placed)}"


def test_no_import_goes_up_a_layer():
    _edges, wrong_way = _graph()
    assert wrong_way == []


def test_no_cycle_between_packages():
    edges, _ = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("layer", ["workflows", "forms"])
def test_engine_and_forms_know_no_flask_nor_service(layer: str):
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in (ROOT / layer).rglob("*.py")
                 for name, _line in _imports(path) if name.split(".")[0] in ("flask", "service", "flask_sqlalchemy")]
    assert offenders == []


def test_the_walk_sees_a_wrong_way_import(tmp_path, monkeypatch):
    """The checker itself: an upward import inside a function is found."""
    fake = tmp_path / "service" / "process"
    fake.mkdir(parents=True)
    (fake / "x.py").write_text("def f():\n    from ..filings import operations\n")
    (tmp_path / "service" / "filings").mkdir()
    (tmp_path / "service" / "filings" / "operations.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "SERVICE", tmp_path / "service")
    _edges, wrong_way = _graph()
    assert wrong_way == ["service/process/x.py:2 process → filings"]
