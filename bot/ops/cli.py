"""The `drillbot` command: run, demo, content validate|stats, db migrate|backup."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.bank import default_content_dir
from bot.ops import content
from bot.ops.about import drillbot_version
from bot.ops.config import LOG_FORMATS, MESSAGE_CONTENT, ConfigError, Settings, TokenError
from bot.ops.preflight import Exit, PreflightError, backup_database, check_database, preflight
from bot.ops.shards import ShardPlan

RUN_HELP = """\
Connect to Discord and run the bot until SIGTERM or Ctrl-C (both stop it cleanly, exit 0).

Before connecting it checks, in order, and stops with one line and its own exit code:
  database  DRILLBOT_DB's folder is writable and the file, if any, is a SQLite database (4)
            whose schema this drillbot knows (5)
  content   DRILLBOT_CONTENT (or the packaged packs) loads without errors (6)
  token     DISCORD_TOKEN or DISCORD_TOKEN_FILE is set (3)
Then it waits for Discord's API with backoff, one log line per failed attempt (7 after the
last). Health and metrics: http://DRILLBOT_HEALTH/healthz, /readyz, /metrics
(default 127.0.0.1:8080; port 0 turns it off). Exit codes: README, Operations.
Sharded (README, Running at scale): --shard-count N --shards a-b runs shards a..b of N.
Web board: --web HOST:PORT (DRILLBOT_WEB; off when unset), links from DRILLBOT_WEB_URL.
Message Content intent (typed thread answers need it; the Answer button does not):
--message-content auto (default: ask; if Discord refuses, start again without it and take
answers by button only), require (exit 8 if refused), off (never ask).
"""


DEMO_MEMBERS = 5  # the demo's cast (bot/sandbox/demo/day.py NAMES; a test keeps them equal)


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in low..high, refused (exit 2) rather than clamped."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"{low}-{high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {span} (got {value})")
        return value

    return parse


def _config_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before or after the subcommand (`drillbot run --config f.yaml`); after it,
    # SUPPRESS keeps an absent option from overwriting one given before it.
    parser.add_argument(
        "--config",
        type=Path,
        default=None if top else argparse.SUPPRESS,
        help="YAML file of settings (environment variables win)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drillbot",
        description=(
            "A Discord bot that drills study groups on MLOps-engineer interview questions."
        ),
    )
    parser.add_argument("--version", action="version", version=f"drillbot {drillbot_version()}")
    _config_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="connect to Discord and run the bot",
        description=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--log-format", choices=LOG_FORMATS, help="text (default) or json lines on stderr"
    )
    run.add_argument(
        "--health", metavar="HOST:PORT", help="health/metrics address (DRILLBOT_HEALTH)"
    )
    run.add_argument(
        "--web", metavar="HOST:PORT", help="serve the web board here (DRILLBOT_WEB; off unset)"
    )
    run.add_argument(
        "--connect-attempts",
        type=_whole(1),
        default=10,
        metavar="N",
        help="tries to reach Discord before giving up (default 10)",
    )
    run.add_argument(
        "--connect-backoff",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first wait between tries, doubled each time up to 60 s (default 1)",
    )
    run.add_argument(
        "--shard-count",
        metavar="N",
        help="shards the bot has in all (DRILLBOT_SHARD_COUNT); unset: one unsharded process",
    )
    run.add_argument(
        "--shards",
        metavar="A-B",
        help="the shards this process runs, e.g. 0-3 (DRILLBOT_SHARDS; default all of them)",
    )
    run.add_argument(
        "--message-content",
        choices=MESSAGE_CONTENT,
        help="ask for the Message Content intent (DRILLBOT_MESSAGE_CONTENT; default auto)",
    )
    demo = sub.add_parser("demo", help="run a whole day offline against the built-in emulator")
    demo.add_argument(
        "--members",
        type=_whole(1, DEMO_MEMBERS),
        default=5,
        help=f"members in the demo guild, 1-{DEMO_MEMBERS} (default 5)",
    )
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
    stats = content.add_parser(
        "stats", help="questions per topic: difficulty, levels, answers, sources"
    )
    stats.add_argument("paths", nargs="*", type=Path)
    db = sub.add_parser("db", help="database").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    db.add_parser("migrate", help="apply pending migrations")
    backup = db.add_parser("backup", help="copy the live database with SQLite's backup API")
    backup.add_argument("path", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace an existing backup")
    copy = db.add_parser("copy", help="copy a SQLite database into an empty PostgreSQL one")
    copy.add_argument("--from", dest="source", required=True, help="sqlite:///path or a path")
    copy.add_argument("--to", dest="target", required=True, help="postgresql://user:pass@host/db")
    invite = sub.add_parser(
        "invite", help="print the invite URL with the permissions the bot needs, and why"
    )
    invite.add_argument(
        "--client-id",
        help="the application id (developer portal, General Information); "
        "default: read from Discord with the token",
    )
    for command in (run, demo, validate, stats, invite, *db.choices.values()):
        _config_option(command, top=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `drillbot`: what it can do, not a usage error
        parser.print_help()
        return Exit.OK
    try:
        settings = Settings.load(config_file=args.config)
        return _dispatch(args, settings)
    except TokenError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return Exit.TOKEN
    except ConfigError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return Exit.CONFIG
    except PreflightError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        return _run(args, settings)
    if args.command == "demo":
        from bot.sandbox.demo.day import run_demo

        return run_demo(members=args.members)
    if args.command == "invite":
        return _invite(settings, args.client_id)
    if args.command == "content":
        shipped = settings.content_dir or default_content_dir()
        paths = args.paths or [shipped]
        return (
            content.validate(paths, shipped)
            if args.action == "validate"
            else content.stats(paths, shipped)
        )
    if args.command == "db":
        if args.action == "backup":
            if settings.db_url is not None:
                print(
                    "drillbot: db backup is for SQLite; back up PostgreSQL with pg_dump",
                    file=sys.stderr,
                )
                return Exit.FAILED
            backup_database(settings.db_path, args.path, force=args.force)
            print(f"backed up {settings.db_path} to {args.path}")
            return Exit.OK
        if args.action == "copy":
            return _copy_command(args.source, args.target)
        if settings.db_url is None:
            check_database(settings.db_path)
        return asyncio.run(_migrate(settings))
    raise AssertionError(args.command)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.config import parse_address, web_address
    from bot.ops.logs import setup_logging
    from bot.ops.runner import serve

    if args.health is not None:
        host, port = parse_address(args.health)
        settings = replace(settings, health_host=host, health_port=port)
    if args.web is not None:
        host, web_port = web_address(args.web)
        settings = replace(settings, web_host=host, web_port=web_port)
    settings = replace(settings, shards=_shards(args, settings))
    if args.message_content is not None:
        settings = replace(settings, message_content=args.message_content)
    token = settings.token.reveal() if settings.token else ""
    setup_logging(settings.log_level, args.log_format or settings.log_format, secrets=[token])
    bank = preflight(settings)
    return asyncio.run(
        serve(
            settings,
            bank,
            connect_attempts=args.connect_attempts,
            connect_backoff=max(0.0, args.connect_backoff),
        )
    )


def _invite(settings: Settings, client_id: str | None) -> int:
    from bot.ops.invite import client_id_from_token, invite_text

    if client_id is None and settings.token:
        client_id = client_id_from_token(settings.token.reveal())
    if client_id is None or not client_id.isdigit():
        print(
            "drillbot: give --client-id (the application id, developer portal > General "
            "Information), or set DISCORD_TOKEN so it can be read from the token",
            file=sys.stderr,
        )
        return Exit.CONFIG
    print(invite_text(client_id))
    return Exit.OK


def _shards(args: argparse.Namespace, settings: Settings) -> ShardPlan:
    """--shard-count / --shards over DRILLBOT_SHARD_COUNT / DRILLBOT_SHARDS."""
    current = settings.shards
    if args.shard_count is None and args.shards is None:
        return current
    count = args.shard_count
    if count is None and current.sharded:
        count = str(current.count)
    shards = args.shards
    if shards is None and args.shard_count is None and current.sharded:
        shards = f"{current.first}-{current.last}"
    try:
        return ShardPlan.parse(count, shards)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


async def _migrate(settings: Settings) -> int:
    from bot.storage import Database, PgDatabase, SchemaTooNew
    from bot.storage.url import redact

    label = redact(settings.store_url)
    db: Database | PgDatabase
    try:
        if settings.db_url is not None:
            db = await PgDatabase.open(settings.db_url.reveal(), migrate=False)
        else:
            db = await Database.open(settings.db_path, migrate=False, checkpoint_every=None)
    except Exception as exc:  # unreadable path, not a database, server down, ...
        print(f"drillbot: cannot open {label}: {exc}", file=sys.stderr)
        return Exit.DATABASE
    try:
        applied = await db.migrate()
        now = await db.schema_version()
        print(
            f"{label}: schema version {now}"
            + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)")
        )
        return Exit.OK
    except SchemaTooNew as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return Exit.SCHEMA
    finally:
        await db.close()


def _copy_command(source_url: str, target_url: str) -> int:
    from bot.storage.url import backend_of

    try:
        source_kind, source_path = backend_of(source_url)
        target_kind, _ = backend_of(target_url)
    except ValueError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return Exit.CONFIG
    if (source_kind, target_kind) != ("sqlite", "postgresql"):
        print("drillbot: db copy goes from SQLite (--from) to PostgreSQL (--to)", file=sys.stderr)
        return Exit.CONFIG
    if not Path(source_path).is_file():
        print(f"drillbot: no SQLite database at {source_path}", file=sys.stderr)
        return Exit.DATABASE
    return asyncio.run(_copy(source_path, target_url))


async def _copy(source_path: str, target_url: str) -> int:
    from bot.storage import Database, PgDatabase
    from bot.storage.copy import CopyError, copy_sqlite_to_postgres
    from bot.storage.url import redact

    # The target first: opening the source switches it to WAL, and a copy that cannot reach
    # its target must leave the source file as it was.
    try:
        target = await PgDatabase.open(target_url)
    except Exception as exc:  # server down, refused, ...
        print(f"drillbot: cannot open {redact(target_url)}: {exc}", file=sys.stderr)
        return Exit.DATABASE
    try:
        source = await Database.open(source_path, migrate=False, checkpoint_every=None)
    except Exception as exc:  # not a database, unreadable, ...
        await target.close()
        print(f"drillbot: cannot open {source_path}: {exc}", file=sys.stderr)
        return Exit.DATABASE
    try:
        counts = await copy_sqlite_to_postgres(source, target)
    except CopyError as exc:
        print(f"drillbot: copy failed: {exc}", file=sys.stderr)
        return Exit.FAILED
    finally:
        await source.close()
        await target.close()
    width = max(len("table"), *(len(c.table) for c in counts))
    print(f"{'table':<{width}}  {'sqlite':>9}  {'postgresql':>10}")
    for c in counts:
        print(f"{c.table:<{width}}  {c.source:>9}  {c.target:>10}")
    total = sum(c.source for c in counts)
    print(f"copied {total} rows in {len(counts)} tables to {redact(target_url)}; counts match")
    return Exit.OK


if __name__ == "__main__":
    raise SystemExit(main())
