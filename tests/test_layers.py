"""Apps import downwards only: a lower app never imports a higher one, so
each can be read and tested from the ground up. The order is written once,
here (and in the README's architecture section); apps on the same floor do
not import each other either, unless LEVEL says they may."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. Apps on one floor are beside each other.
FLOORS: list[set[str]] = [
    {"core", "accounts"},
    {"notifications"},
    {"families"},
    {"goals", "intake", "messaging"},
    {"sessions_app"},
    {"bookings"},
    {"reports", "library"},
    {"portal"},
]
LEVEL = {app: level for level, floor in enumerate(FLOORS) for app in floor}
# Imports between apps of one floor, each one way: accounts builds on core;
# messaging on goals (a photo from home hangs on a practice log).
BESIDE = {("accounts", "core"), ("messaging", "goals")}


def _python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported_apps(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LEVEL:
                found.add((top, node.lineno))
    return found


def _violations() -> list[str]:
    wrong = []
    for app, level in LEVEL.items():
        for path in _python_files(app):
            for imported, line in _imported_apps(path):
                if imported == app or (app, imported) in BESIDE:
                    continue
                if LEVEL[imported] >= level:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


def test_every_app_has_a_floor():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LEVEL), "add the app to FLOORS (and to the README)"


def test_apps_import_downwards_only():
    assert _violations() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    bad = tmp_path / "families"
    bad.mkdir()
    (bad / "views.py").write_text("from portal import views\nimport goals.models\n")
    monkeypatch.setattr("tests.test_layers.ROOT", tmp_path)
    monkeypatch.setattr("tests.test_layers.LEVEL", {"families": 2, "goals": 3, "portal": 7})
    assert sorted(_violations()) == [
        "families/views.py:1 imports portal",
        "families/views.py:2 imports goals",
    ]


def test_the_readme_states_the_same_order():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Architecture") :]
    block = section[section.index("```\n") + 4 :]
    block = block[: block.index("```")]
    floors = [{name.strip() for name in line.split(",")} for line in block.splitlines() if line]
    assert floors == FLOORS
