"""The operator's first day (issue 22): the image and compose settings together, the start-up
line, an unreachable PostgreSQL, secret files, paths, and the small CLI things, each run as the
real `drillbot` command."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.ops.invite import client_id_from_token, invite_url
from bot.organiser.permissions import NEEDS, invite_permissions
from bot.storage import migrate
from tests.ops.helpers import ROOT, drillbot, one_line, snapshot
from tests.ops.procs import Proc, start_emulator
from tests.ops.test_container import image_env, instruction
from tests.ops.test_health import free_port
from tests.support import postgres

STARTUP = re.compile(
    r"drillbot (?P<version>\S+) starting: database (?P<db>.+); (?P<shards>[^;]+); "
    r"health (?P<health>\S+)$"
)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[dict[str, str]]:
    emu, env = start_emulator(tmp_path)
    try:
        yield env
    finally:
        emu.stop()


def compose_env(service: str) -> dict[str, str]:
    data = yaml.safe_load((ROOT / "docker-compose.postgres.yml").read_text(encoding="utf-8"))
    return {k: str(v) for k, v in data["services"][service]["environment"].items()}


def run_until_started(
    cwd: Path, env: dict[str, str], emulator: dict[str, str]
) -> tuple[re.Match[str], str]:
    """`drillbot run` (the image's entry command) until ready, then SIGTERM; its start line."""
    env = {**env, "DISCORD_API_BASE": emulator["DISCORD_API_BASE"]}
    env["DISCORD_GATEWAY_URL"] = emulator["DISCORD_GATEWAY_URL"]
    bot = Proc(["-m", "bot.ops.cli", "run"], cwd=cwd, env=env)
    try:
        start = bot.wait_for(STARTUP.pattern, timeout=90)
        bot.wait_for(r"ready as drillbot", timeout=90)
        bot.signal(signal.SIGTERM)
        assert bot.wait(timeout=15) == 0
        out = bot.drain()
    finally:
        bot.stop()
    return start, out


def test_the_postgres_compose_file_runs_on_postgres_with_the_images_environment(
    tmp_path: Path, emulator: dict[str, str], pg_cluster: postgres.Cluster
) -> None:
    """Item 4: the Dockerfile's ENV and the compose service's environment together, the
    secrets as files (their /run/secrets paths mapped to a folder here, /data to the working
    folder): the database in the drillbot_db secret is the one used, and no SQLite file
    appears in the volume."""
    url = postgres.create_database(pg_cluster, migrated=False).replace(
        "drillbot@", "drillbot:hunter2@"
    )  # the throwaway cluster trusts local connections: the password shows only in the URL
    secrets, data = tmp_path / "secrets", tmp_path / "data"
    secrets.mkdir()
    data.mkdir()
    (secrets / "discord_token").write_text(emulator["DISCORD_TOKEN"] + "\n")
    (secrets / "drillbot_db").write_text(url + "\n")
    port = free_port()
    env = {**image_env(), **compose_env("drillbot-shard-0")}
    env = {
        k: v.replace("/run/secrets", str(secrets)).replace(":8080", f":{port}")
        for k, v in env.items()
    }
    assert instruction("WORKDIR")[-1] == "/data"
    start, out = run_until_started(data, env, emulator)
    host = re.search(r"@([^/]+)/(\w+)", url)
    assert host is not None
    assert start["db"] == f"postgresql drillbot@{host[1]}/{host[2]}"
    assert start["shards"] == "shards 0-0 of 2"
    assert start["health"] == f"http://0.0.0.0:{port}/"
    assert "hunter2" not in out
    assert list(data.iterdir()) == []  # no SQLite file in the volume
    migrated = subprocess.run(
        [*_psql(pg_cluster), "-d", host[2], "-tAc", "SELECT version_num FROM alembic_version"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(migrated.stdout.strip()) == migrate.head()


def _psql(cluster: postgres.Cluster) -> list[str]:
    return ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", postgres.SUPERUSER]


@pytest.mark.sqlite_only("the image's default database is a SQLite file in the /data volume")
def test_the_start_line_names_the_sqlite_file_by_its_absolute_path(
    tmp_path: Path, emulator: dict[str, str]
) -> None:
    secret = tmp_path / "discord_token"
    secret.write_text(emulator["DISCORD_TOKEN"] + "\n")
    env = {**image_env(), "DISCORD_TOKEN_FILE": str(secret), "DRILLBOT_HEALTH": "127.0.0.1:0"}
    start, out = run_until_started(tmp_path, env, emulator)
    assert start["db"] == f"sqlite {tmp_path.resolve() / 'drillbot.sqlite3'}"
    assert start["shards"] == "unsharded" and start["health"] == "off"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", start["version"])
    assert re.search(r"synced \d+ commands globally", out)


@pytest.mark.sqlite_only("which process syncs the commands does not depend on the backend")
def test_a_sharded_run_syncs_the_commands_once_from_the_process_holding_shard_0(
    tmp_path: Path, emulator: dict[str, str]
) -> None:
    """Item 3 for shards: the process holding shard 0 logs the sync as an unsharded run does;
    the other shard processes say they leave it to that one (one upload per bot, not N)."""
    logs = {}
    for shards in ("1-1", "0-0"):
        folder = tmp_path / shards
        folder.mkdir()
        env = {k: v for k, v in emulator.items() if k.startswith("DISCORD_")}
        env |= {"DRILLBOT_DB": str(folder / "d.sqlite3"), "DRILLBOT_SHARD_COUNT": "2"}
        env["DRILLBOT_SHARDS"] = shards
        bot = Proc(["-m", "bot.ops.cli", "run"], cwd=folder, env=env)
        try:
            bot.wait_for(r"ready as drillbot", timeout=90)
            bot.signal(signal.SIGTERM)
            assert bot.wait(timeout=15) == 0
            logs[shards] = bot.drain()
        finally:
            bot.stop()
    primary = re.findall(r"synced (\d+) commands globally(.*)", logs["0-0"])
    assert len(primary) == 1 and int(primary[0][0]) >= 10
    assert primary[0][1] == " (this process holds shard 0 of 2)"
    assert "shards 0-0 of 2" in logs["0-0"]
    assert not re.search(r"synced \d+ commands", logs["1-1"])
    assert "commands not synced here: the process holding shard 0 syncs them" in logs["1-1"]


def test_a_refused_command_sync_is_one_line_naming_the_command_and_exit_9(
    tmp_path: Path,
) -> None:
    """Item 3: Discord refuses one command of the upload (400, 50035)."""
    reason = "Must be between 1 and 100 in length."
    emu, env = start_emulator(tmp_path, "--refuse-command", f"quiz:{reason}")
    try:
        wanted = {k: v for k, v in env.items() if k.startswith("DISCORD_")}
        wanted["DRILLBOT_DB"] = str(tmp_path / "d.sqlite3")
        result = drillbot("run", cwd=tmp_path, env=wanted, timeout=120)
    finally:
        emu.stop()
    assert result.returncode == 9, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("drillbot: Discord refused the slash commands (HTTP 400, code 50035)")
    assert "'quiz'" in last and reason in last


def test_both_database_settings_at_once_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "drillbot_db"
    secret.write_text("postgresql://bot@127.0.0.1:1/drill\n")
    env = {"DRILLBOT_DB": str(tmp_path / "x.sqlite3"), "DRILLBOT_DB_FILE": str(secret)}
    result = drillbot("db", "migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "DRILLBOT_DB and DRILLBOT_DB_FILE are both set" in one_line(result)
    assert not (tmp_path / "x.sqlite3").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:hunter2@127.0.0.1:{closed}/drill",  # nothing listens
        "postgresql://bot:hunter2@host.invalid/drill",  # no such host
    ],
)
def test_an_unreachable_postgres_at_run_is_one_line_and_exit_4(tmp_path: Path, url: str) -> None:
    """Item 5: as `db migrate` says it, before Discord is even tried."""
    url = url.format(closed=free_port())
    env = {"DISCORD_TOKEN": "t", "DRILLBOT_DB": url, "DISCORD_API_BASE": "http://127.0.0.1:1"}
    result = drillbot("run", "--connect-attempts", "1", cwd=tmp_path, env=env)
    assert result.returncode == 4
    line = one_line(result)
    assert line.startswith("drillbot: cannot open the database postgresql://bot:***@")
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("problem", ["unknown database", "unknown role"])
def test_a_missing_postgres_database_or_role_is_one_line_and_exit_4(
    tmp_path: Path, pg_cluster: postgres.Cluster, problem: str
) -> None:
    url = pg_cluster.url("no_such_db")
    if problem == "unknown role":
        url = url.replace(f"{postgres.SUPERUSER}@", "nobody@")
    env = {"DISCORD_TOKEN": "t", "DRILLBOT_DB": url, "DISCORD_API_BASE": "http://127.0.0.1:1"}
    result = drillbot("run", "--connect-attempts", "1", cwd=tmp_path, env=env)
    assert result.returncode == 4
    assert "does not exist" in one_line(result)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_token_file_says_what_to_do_and_exits_3(tmp_path: Path) -> None:
    """Item 6: a mode-600 secret of another user, as Compose without Swarm mounts it."""
    secret = tmp_path / "discord_token"
    secret.write_text("token\n")
    secret.chmod(0o000)
    result = drillbot("run", cwd=tmp_path, env={"DISCORD_TOKEN_FILE": str(secret)})
    assert result.returncode == 3
    line = one_line(result)
    assert "Permission denied" in line and "chmod 644" in line and "10001" in line


def test_an_unreadable_token_file_message_names_owner_mode_and_fix(tmp_path: Path) -> None:
    """Item 6, as any user (root included): the advice shown for a secret we may not read."""
    from bot.ops.config import _unreadable

    secret = tmp_path / "discord_token"
    secret.write_text("token\n")
    secret.chmod(0o600)
    advice = _unreadable(secret)
    assert f"uid {secret.stat().st_uid} with mode 600" in advice
    assert "chmod 644" in advice and "chown it to 10001" in advice


def test_secrets_are_ignored_by_git_and_the_compose_files_document_modes_that_work() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "secrets/discord_token"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
    for name in ("docker-compose.yml", "docker-compose.postgres.yml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "mode 600" not in text, name
        assert "644" in text and "10001" in text, name


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (None, 3, "cannot read DISCORD_TOKEN_FILE"),
        ("\n", 3, "is empty; put the bot token in it"),
    ],
)
def test_token_file_problems_exit_3_and_say_what_is_wrong(
    tmp_path: Path, content: str | None, code: int, says: str
) -> None:
    """Item 9: token problems are 3 (README); an empty file is not "set DISCORD_TOKEN"."""
    secret = tmp_path / "token"
    if content is not None:
        secret.write_text(content)
    result = drillbot("run", cwd=tmp_path, env={"DISCORD_TOKEN_FILE": str(secret)})
    assert result.returncode == code
    line = one_line(result)
    assert says in line and "set DISCORD_TOKEN" not in line


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--connect-attempts", "0"),
        ("run", "--connect-attempts", "-1"),
        ("demo", "--members", "0"),
        ("demo", "--members", "6"),
    ],
)
def test_out_of_range_numbers_are_refused_not_clamped(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(tmp_path)
    result = drillbot(*args, cwd=tmp_path, env={"DISCORD_TOKEN": "t"})
    assert result.returncode == 2
    assert "must be" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_demo_members_limit_is_the_demos_cast() -> None:
    from bot.ops.cli import DEMO_MEMBERS
    from bot.sandbox.demo.day import NAMES

    assert len(NAMES) == DEMO_MEMBERS


def test_bare_drillbot_prints_help_and_exits_0(tmp_path: Path) -> None:
    result = drillbot(cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: drillbot" in result.stdout and "invite" in result.stdout
    assert result.stderr == ""


def test_config_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    config = tmp_path / "drillbot.yaml"
    config.write_text(f"db: {tmp_path / 'from-config.sqlite3'}\n")
    result = drillbot("db", "migrate", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-config.sqlite3").exists()
    before = drillbot("--config", str(config), "db", "migrate", cwd=tmp_path)
    assert before.returncode == 0 and before.stdout.endswith("(up to date)\n")


@pytest.mark.sqlite_only("sqlite:/// URLs name SQLite files")
def test_sqlite_url_with_three_slashes_is_an_absolute_path(tmp_path: Path) -> None:
    """Item 8: the README's sqlite:///data/drillbot.sqlite3 is /data/drillbot.sqlite3."""
    target = tmp_path / "abs.sqlite3"
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = drillbot("db", "migrate", cwd=elsewhere, env={"DRILLBOT_DB": f"sqlite://{target}"})
    assert result.returncode == 0, result.stderr
    assert target.exists() and list(elsewhere.iterdir()) == []


def test_a_refused_token_leaves_no_new_database(tmp_path: Path, emulator: dict[str, str]) -> None:
    """Item 8: a failed command changes no file."""
    env = {**emulator, "DISCORD_TOKEN": "not.the.token"}
    env["DRILLBOT_DB"] = str(tmp_path / "new.sqlite3")
    env = {k: v for k, v in env.items() if k.startswith(("DISCORD_", "DRILLBOT_"))}
    before = snapshot(tmp_path)
    result = drillbot("run", cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stderr
    assert "Discord refused the token" in result.stderr.splitlines()[-1]
    assert snapshot(tmp_path) == before


def test_db_copy_to_an_unreachable_postgres_leaves_the_source_as_it_was(tmp_path: Path) -> None:
    source = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = snapshot(tmp_path)
    target = f"postgresql://bot@127.0.0.1:{free_port()}/drill"
    result = drillbot("db", "copy", "--from", str(source), "--to", target, cwd=tmp_path)
    assert result.returncode == 4
    assert snapshot(tmp_path) == before  # not switched to WAL, no -wal or -shm beside it


@pytest.mark.parametrize("folder", ["empty", "no-questions"])
def test_content_validate_refuses_what_run_refuses(tmp_path: Path, folder: str) -> None:
    """Item 8: an empty folder is not "ok" to validate and then refused by run."""
    packs = tmp_path / folder
    packs.mkdir()
    if folder == "no-questions":
        (packs / "notes.txt").write_text("not a pack\n")
    checked = drillbot("content", "validate", str(packs), cwd=tmp_path)
    assert checked.returncode == 1
    assert "no question packs" in checked.stderr
    ran = drillbot("run", cwd=tmp_path, env={"DISCORD_TOKEN": "t", "DRILLBOT_CONTENT": str(packs)})
    assert ran.returncode == 6


def test_content_validate_of_a_copy_of_the_content_folder_finds_no_duplicates(
    tmp_path: Path,
) -> None:
    import shutil

    from bot.bank import default_content_dir

    copy = tmp_path / "content"
    shutil.copytree(default_content_dir(), copy)
    result = drillbot("content", "validate", str(copy), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "duplicate" not in result.stderr
    assert result.stdout.startswith("ok: ")


def test_invite_prints_the_url_with_the_exact_permissions_and_why(tmp_path: Path) -> None:
    """Item 10: every permission a feature needs is in the integer, each named with its
    feature; the client id is read from the token when not given."""
    result = drillbot("invite", "--client-id", "1234567890123456789", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == invite_url("1234567890123456789")
    assert f"permissions={invite_permissions()}" in lines[0]
    assert "scope=bot+applications.commands" in lines[0]
    for need in NEEDS:
        assert any(line.strip().startswith(need.label) for line in lines), need.label
    assert invite_permissions() & (1 << 51)  # Pin Messages
    assert not invite_permissions() & (1 << 13)  # Manage Messages: nothing needs it now
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.Gabcde.xyz"  # base64 of 1234567890123456789
    assert client_id_from_token(token) == "1234567890123456789"
    from_token = drillbot("invite", cwd=tmp_path, env={"DISCORD_TOKEN": token})
    assert from_token.stdout == result.stdout
    nothing = drillbot("invite", cwd=tmp_path)
    assert nothing.returncode == 2 and "--client-id" in one_line(nothing)


def test_readme_lists_the_invite_permissions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for need in NEEDS:
        assert need.label in readme, need.label
    assert "(needs Manage Messages)" not in readme and "pins, not Manage" not in readme
    assert "needs Pin Messages" in readme
    assert str(invite_permissions()) in readme


@pytest.mark.sqlite_only("what /metrics shows at start does not depend on the backend")
def test_metrics_an_alert_can_watch_exist_from_the_start(
    tmp_path: Path, emulator: dict[str, str]
) -> None:
    """Item 13: before any post, the failed-posts series is there at 0; the version, the
    guilds served and readiness are gauges; the image's health check asks /readyz."""
    import urllib.request

    port = free_port()
    env = {k: v for k, v in emulator.items() if k.startswith("DISCORD_")}
    env.update(DRILLBOT_DB=str(tmp_path / "d.sqlite3"), DRILLBOT_HEALTH=f"127.0.0.1:{port}")
    bot = Proc(["-m", "bot.ops.cli", "run"], cwd=tmp_path, env=env)
    try:
        start = bot.wait_for(STARTUP.pattern, timeout=90)
        bot.wait_for(r"ready as drillbot", timeout=90)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            body = r.read().decode()
        bot.signal(signal.SIGTERM)
        assert bot.wait(timeout=15) == 0
    finally:
        bot.stop()
    assert 'drillbot_daily_posts_total{outcome="failed"} 0.0' in body
    assert 'drillbot_daily_posts_total{outcome="made"} 0.0' in body
    assert f'drillbot_build_info{{version="{start["version"]}"}} 1.0' in body
    assert "\ndrillbot_guilds 1.0" in body  # the emulator's one guild
    assert "\ndrillbot_ready 1.0" in body
    assert 'drillbot_gateway_events_total{event="INTERACTION_CREATE"}' in body
    assert "/readyz" in instruction("HEALTHCHECK")[0]
