"""The `drillbot` command: run, demo, content validate|stats, db migrate|backup."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.bank import Bank, PackError, default_content_dir, load_bank
from bot.bank.checks import position, solution_findings, stale_findings
from bot.bank.stats import stats_table
from bot.clock import SystemClock
from bot.config import ConfigError, Settings


def _version() -> str:
    try:
        return version("drillbot")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drillbot",
        description=(
            "A Discord bot that drills study groups on MLOps-engineer interview questions."
        ),
    )
    parser.add_argument("--version", action="version", version=f"drillbot {_version()}")
    parser.add_argument("--config", type=Path, help="YAML file of settings (env wins)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="connect to Discord and run the bot")
    demo = sub.add_parser("demo", help="run a whole day offline against the built-in emulator")
    demo.add_argument("--members", type=int, default=5, help="members in the demo guild")
    content = sub.add_parser("content", help="question packs").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    validate = content.add_parser("validate", help="check packs; exit 1 on any error")
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="pack files or folders (default: the configured content)",
    )
    stats = content.add_parser("stats", help="questions per topic and difficulty")
    stats.add_argument("paths", nargs="*", type=Path)
    db = sub.add_parser("db", help="database").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    db.add_parser("migrate", help="apply pending migrations")
    backup = db.add_parser("backup", help="copy the live database with SQLite's backup API")
    backup.add_argument("path", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(config_file=args.config)
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        settings.require_token()
        settings.apply_logging()
        from bot.client import run_bot  # imports discord.py only when needed

        return run_bot(settings)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(members=args.members)
    if args.command == "content":
        paths = args.paths or [settings.content_dir or default_content_dir()]
        return _validate(paths) if args.action == "validate" else _stats(paths)
    if args.command == "db":
        return asyncio.run(_db(args, settings))
    raise AssertionError(args.command)


def _load(paths: list[Path]) -> Bank | None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"{path}: no such file or folder", file=sys.stderr)
        return None
    try:
        return load_bank(paths)
    except PackError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"{len(exc.issues)} error(s)", file=sys.stderr)
        return None


def _validate(paths: list[Path]) -> int:
    bank = _load(paths)
    if bank is None:
        return 1
    broken = solution_findings(bank.questions.values())
    for finding in broken:
        print(f"{position(bank, finding.question_id)}: {finding}", file=sys.stderr)
    if broken:
        print(f"{len(broken)} error(s)", file=sys.stderr)
        return 1
    for finding in stale_findings(bank.questions.values(), SystemClock().now().date()):
        print(f"{position(bank, finding.question_id)}: warning: {finding}", file=sys.stderr)
    print(
        f"ok: {len(bank.packs)} pack(s), {len(bank.topics)} topic(s), "
        f"{len(bank.questions)} question(s)"
    )
    return 0


def _stats(paths: list[Path]) -> int:
    bank = _load(paths)
    if bank is None:
        return 1
    print(stats_table(bank))
    return 0


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import Database, SchemaTooNew

    try:
        db = await Database.open(settings.db_path, migrate=False)
    except Exception as exc:  # unreadable path, not a database, ...
        print(f"drillbot: cannot open {settings.db_path}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.action == "migrate":
            applied = await db.migrate()
            now = await db.schema_version()
            print(
                f"{settings.db_path}: schema version {now}"
                + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)")
            )
        else:
            await db.migrate()
            await db.backup(args.path)
            print(f"backed up {settings.db_path} to {args.path}")
        return 0
    except SchemaTooNew as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()


if __name__ == "__main__":
    raise SystemExit(main())
