"""The shape of the code (issue 21), checked so it stays: feature packages, Discord only in the
glue, no import cycle, no code file over 400 lines, cogs that call services and never the store."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
# The top of bot/ holds only what every feature shares.
SHARED = {
    "__init__", "app", "client", "clock", "errors", "jobs", "ownership", "schedule", "validation",
}  # fmt: skip
FEATURES = {
    "bank", "boards", "daily", "digest", "gaps", "mock", "nudge", "ops", "organiser", "plan",
    "practice", "sandbox", "storage", "web",
}  # fmt: skip


def code_files() -> list[Path]:
    return sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "cogs").rglob("*.py")])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top_level_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported: module-level statements, not those under
    ``if TYPE_CHECKING:`` or inside functions (those run later, once everything is loaded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent / "x")
    package = package.rsplit(".", 1)[0] if path.name != "__init__.py" else package
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in [node] if not isinstance(node, ast.Try) else node.body:
            if isinstance(sub, ast.Import):
                found |= {alias.name for alias in sub.names}
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (sub.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in sub.names}
    return found


def test_the_top_of_bot_holds_only_what_every_feature_shares() -> None:
    modules = {p.stem for p in (ROOT / "bot").glob("*.py")}
    packages = {p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").is_file()}
    assert modules == SHARED
    assert packages == FEATURES
    for package in packages:  # each says what it is for
        assert ast.get_docstring(ast.parse((ROOT / "bot" / package / "__init__.py").read_text()))


# Alembic's revisions are generated schema operations, read as data, not code to maintain.
REVISIONS = ROOT / "bot" / "storage" / "alembic" / "versions"


@pytest.mark.parametrize(
    "path",
    [p for p in code_files() if REVISIONS not in p.parents],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_code_file_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines"


def test_discord_is_imported_only_by_the_client_and_the_cogs() -> None:
    importers = {
        module_name(path)
        for path in (ROOT / "bot").rglob("*.py")
        if any(name.split(".")[0] == "discord" for name in top_level_imports(path))
    }
    assert importers <= {"bot.client"}


def test_no_import_cycle_in_bot_and_cogs() -> None:
    modules = {module_name(path): path for path in code_files()}
    graph = {
        name: {dep for dep in top_level_imports(path) if dep in modules and dep != name}
        for name, path in modules.items()
    }
    # A package's __init__ re-exporting its own modules is not a cycle through the package.
    for name in graph:
        graph[name] = {d for d in graph[name] if not name.startswith(d + ".")}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle.extend([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep])
                return True
            if dep not in state and visit(dep, [*trail, dep]):
                return True
        state[node] = 2
        return False

    for name in sorted(graph):
        if name not in state and visit(name, [name]):
            break
    assert cycle == []


def test_no_discord_markup_in_the_core() -> None:
    """The core hands over datetimes and ids; only the glue writes Discord's ``<t:…>`` and
    ``<@…>`` (cogs/render.py ``ts`` and ``mention``). Checked in every string literal under
    bot/, f-strings' fixed parts too; the client and the emulator are Discord's side."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "bot/client.py" or relative.startswith("bot/sandbox/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and ("<t:" in text or "<@" in text):
                found.append(f"{relative}:{node.lineno}: {text[:60]!r}")
    assert found == []


def test_time_zones_are_looked_up_only_in_schedule() -> None:
    """Time-zone arithmetic lives in bot/schedule.py (``zone``, ``day_in``, ``at_local``...):
    nothing else under bot/ or cogs/ imports zoneinfo, at the top or inside a function."""
    found = []
    for path in code_files():
        if path == ROOT / "bot" / "schedule.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "zoneinfo" for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


# What a cog must not reach: the store, a service's repository, a backend.
_STORE_ATTRIBUTES = {"store", "repo", "db"}


def store_reaches(code: str) -> list[ast.Attribute]:
    """Every ``x.store`` / ``x.repo`` / ``x.db`` (``_store`` too) in ``code``."""
    return [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Attribute) and node.attr.lstrip("_") in _STORE_ATTRIBUTES
    ]


def test_cogs_call_services_and_never_the_store() -> None:
    """A cog calls a service method; it never reads the store, a service's repository
    (``self.pairs.repo.get``) or a backend, directly or through the client
    (``interaction.client.store``)."""
    reaches = []
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("store: Store", "bot.store"):
            if needle in text:
                reaches.append(f"{path.name}: {needle}")
        for node in store_reaches(text):
            reaches.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert reaches == []


def test_the_store_check_sees_a_cog_reaching_a_repository() -> None:
    """The check above, on the forms it must catch (it once let ``self.pairs.repo.get`` and
    ``interaction.client.store`` through)."""
    for line in (
        "pair = await self.pairs.repo.get(pid)",
        "session = await self.pairs.mock.repo.session(sid)",
        "store = interaction.client.store  # type: ignore",
        "rows = await self._store.boards.top(1)",
        "await bot.app.store.db.execute(x)",
    ):
        assert store_reaches(line), line
    assert store_reaches("await self.pairs.get(pid); self.reporter.send(x.stored)") == []


def test_start_up_does_not_import_matplotlib() -> None:
    """Charts are drawn a few times a day: matplotlib and numpy (~40 MB resident) load with the
    first chart, not with the bot. What `drillbot run` imports before connecting: the CLI, the
    composition root, the client and every extension."""
    assert _start_up_imports(("matplotlib", "numpy")) == []


# What a bot on SQLite never needs in its own process (issue 25: resident memory): Alembic and
# Mako run in a child process when the database is behind; PostgreSQL's driver loads with a
# PostgreSQL store; rapidfuzz with the first answer graded; statements run on the drivers, so
# neither SQLAlchemy's asyncio engine nor the ORM it imports (nor greenlet) is loaded.
NOT_ON_SQLITE = (
    "alembic",
    "mako",
    "asyncpg",
    "sqlalchemy.dialects.postgresql",
    "rapidfuzz",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.orm",
    "greenlet",
)


def test_start_up_on_sqlite_imports_neither_alembic_nor_the_orm_nor_postgresql_s_driver(
    tmp_path: Path,
) -> None:
    # A new database: migrated (in a child process), then opened as the bot opens it.
    assert _start_up_imports(NOT_ON_SQLITE, tmp_path / "drillbot.sqlite3") == []


def _start_up_imports(modules: tuple[str, ...], database: Path | None = None) -> list[str]:
    """Which of ``modules`` are imported by start-up: `drillbot run`'s imports before it
    connects, and with ``database`` the store opened on that SQLite file."""
    probe = (
        "import asyncio, importlib, json, sys\n"
        "import bot.ops.cli, bot.ops.runner, bot.app, bot.client\n"
        "from bot.storage import open_store\n"
        "for name in bot.client.EXTENSIONS:\n"
        "    importlib.import_module(name)\n"
        "async def main(url):\n"
        "    await (await open_store(url)).close()\n"
        "if sys.argv[1]:\n"
        "    asyncio.run(main(sys.argv[1]))\n"
        f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(database or "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert database is None or database.exists()
    found: list[str] = json.loads(done.stdout)
    return found


# The backends' own statements (PRAGMAs, advisory locks, ANALYZE) are text with a comment saying
# why; migrations are Alembic's. Everywhere else in storage, statements are built with Core.
_SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE)\s", re.IGNORECASE)
_BACKENDS = {"engine.py", "database.py", "postgres.py", "migrate.py"}


def test_the_repositories_build_their_statements_with_core() -> None:
    storage = ROOT / "bot" / "storage"
    found = []
    for path in sorted(storage.rglob("*.py")):
        if path.name in _BACKENDS or "alembic" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and _SQL_TEXT.match(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"SQL text instead of Core statements: {found}"
