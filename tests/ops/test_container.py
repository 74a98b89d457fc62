"""The image: its Dockerfile's entry command, environment and HEALTHCHECK, run the same way
outside Docker (no engine here), and the files that keep the build small and the token out."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.helpers import ROOT, clean_env
from tests.ops.procs import Proc, start_emulator
from tests.ops.test_health import free_port

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instruction(name: str, text: str = DOCKERFILE) -> list[str]:
    """Each occurrence of a Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", joined, re.M)]


def final_stage() -> str:
    return DOCKERFILE[DOCKERFILE.rindex("\nFROM ") :]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in instruction("ENV", final_stage()):
        env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def test_dockerfile_is_multi_stage_pinned_non_root_with_health_and_stop_signal() -> None:
    bases = instruction("FROM")
    assert len(bases) == 2 and bases[0].endswith(" AS build")
    for base in bases:
        assert re.match(r"python:3\.11\.\d+-slim-\w+", base), base  # a pinned slim version
    assert instruction("USER") == ["10001:10001"]
    assert instruction("VOLUME") == ['["/data"]']
    assert instruction("STOPSIGNAL") == ["SIGTERM"]
    assert "/readyz" in instruction("HEALTHCHECK")[0]  # healthy means ready
    assert "drillbot-*.whl" in final_stage()  # installed as a wheel, not from source
    assert "COPY" not in final_stage()  # no source tree in the running image


def test_dockerignore_keeps_the_venv_the_git_history_and_secrets_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", ".git", "tests", "secrets", "*.sqlite3", ".env"):
        assert entry in ignored


def test_compose_reads_the_token_from_a_secret_file() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "DISCORD_TOKEN_FILE: /run/secrets/discord_token" in compose
    assert "file: ./secrets/discord_token" in compose
    assert "DISCORD_TOKEN:" not in compose
    assert "stop_grace_period: 15s" in compose


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[dict[str, str]]:
    emu, env = start_emulator(tmp_path)
    try:
        yield env
    finally:
        emu.stop()


@pytest.mark.sqlite_only(
    "the image's entry command with its default database, the SQLite file in the /data volume"
)
def test_entry_command_runs_healthy_and_stops_on_the_stop_signal(
    tmp_path: Path, emulator: dict[str, str]
) -> None:
    """ENTRYPOINT + CMD with the image's ENV (its /data mapped to a temporary folder), the
    token from a secret file as compose mounts it, then the HEALTHCHECK command, then
    STOPSIGNAL."""
    entry = json.loads(instruction("ENTRYPOINT")[0]) + json.loads(instruction("CMD")[0])
    assert entry == ["drillbot", "run"]
    port = free_port()
    env = {
        k: v.replace("/data", str(tmp_path)).replace(":8080", f":{port}")
        for k, v in image_env().items()
    }
    secret = tmp_path / "discord_token"
    secret.write_text(emulator["DISCORD_TOKEN"] + "\n")
    env.update(
        DISCORD_TOKEN_FILE=str(secret),
        DISCORD_API_BASE=emulator["DISCORD_API_BASE"],
        DISCORD_GATEWAY_URL=emulator["DISCORD_GATEWAY_URL"],
    )
    script = Path(sys.executable).with_name(entry[0])
    assert script.exists(), f"the console script {script} is not installed"
    bot = Proc([str(script), *entry[1:]], cwd=tmp_path, env=env, python=False)
    try:
        bot.wait_for(r"ready as drillbot")
        check = json.loads(instruction("HEALTHCHECK")[0].split(" CMD ", 1)[1])
        check = [sys.executable if c == "python" else c.replace(":8080", f":{port}") for c in check]
        probe = subprocess.run(check, capture_output=True, timeout=10, check=False, env=clean_env())
        assert probe.returncode == 0, probe.stderr
        bot.signal(getattr(signal, instruction("STOPSIGNAL")[0]))
        assert bot.wait(timeout=10) == 0
        out = bot.drain()
    finally:
        bot.stop()
    assert (tmp_path / "drillbot.sqlite3").exists()  # DRILLBOT_DB=/data/... was used
    assert emulator["DISCORD_TOKEN"] not in out
