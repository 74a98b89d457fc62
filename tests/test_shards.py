"""Shard arithmetic and the shard settings: which guilds a process serves, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.cli import main
from bot.ops.config import ConfigError, Settings
from bot.ops.preflight import Exit
from bot.ops.shards import ShardPlan, shard_of


def snowflake(ms: int, counter: int = 0) -> int:
    return ms << 22 | counter


def test_a_guilds_shard_is_discords_formula() -> None:
    assert shard_of(snowflake(0), 4) == 0
    assert shard_of(snowflake(5, counter=(1 << 22) - 1), 4) == 1  # the low 22 bits don't count
    assert shard_of(81384788765712384, 1) == 0
    assert shard_of(81384788765712384, 16) == (81384788765712384 >> 22) % 16


def test_a_plan_owns_exactly_the_guilds_of_its_shards() -> None:
    guilds = [snowflake(ms) for ms in range(40)]
    low, high = ShardPlan(4, 0, 1, sharded=True), ShardPlan(4, 2, 3, sharded=True)
    assert [g for g in guilds if low.owns(g)] == [g for g in guilds if (g >> 22) % 4 < 2]
    for guild in guilds:
        assert low.owns(guild) != high.owns(guild)  # every guild in one process, never two
    assert ShardPlan().owns(guilds[3]) and not ShardPlan().sharded


def test_parse_reads_a_range_a_single_shard_or_all() -> None:
    assert ShardPlan.parse("8", "2-5").ids == [2, 3, 4, 5]
    assert ShardPlan.parse(8, "3").ids == [3]
    assert ShardPlan.parse("3", None).ids == [0, 1, 2]
    assert ShardPlan.parse(None, None) == ShardPlan()
    assert ShardPlan.parse("2", "0-0").primary and not ShardPlan.parse("2", "1").primary


@pytest.mark.parametrize(
    ("count", "shards", "message"),
    [
        ("0", None, "shard count must be 1-"),
        ("4", "3-1", "0 <= a <= b < shard count 4"),
        ("4", "0-4", "0 <= a <= b < shard count 4"),
        ("-1", None, "shard count must be a whole number"),
        ("4", "a-b", "shards must be a whole number"),
        ("4", "1-2-3", "shards must be a whole number"),
        ("9" * 5000, None, "shard count must be a whole number"),
        (None, "0-1", "--shards needs --shard-count"),
    ],
)
def test_bad_shard_settings_are_refused_in_one_line(
    count: str | None, shards: str | None, message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        ShardPlan.parse(count, shards)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert len(str(raised.value)) < 200  # an oversized input is not echoed back whole


def test_shards_come_from_the_environment_or_the_config_file(tmp_path: Path) -> None:
    env = {"DRILLBOT_SHARD_COUNT": "4", "DRILLBOT_SHARDS": "2-3"}
    assert Settings.load(env=env).shards == ShardPlan(4, 2, 3, sharded=True)
    config = tmp_path / "drillbot.yml"
    config.write_text("shard_count: 2\nshards: 0-0\n", encoding="utf-8")
    assert Settings.load(env={}, config_file=config).shards.ids == [0]
    assert Settings.load(env={}).shards == ShardPlan()
    with pytest.raises(ConfigError, match="0 <= a <= b < shard count 2"):
        Settings.load(env={"DRILLBOT_SHARD_COUNT": "2", "DRILLBOT_SHARDS": "2"})


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--shard-count", "0"],
        ["run", "--shard-count", "2", "--shards", "1-2"],
        ["run", "--shards", "0-1"],
    ],
)
def test_drillbot_run_refuses_bad_shards_before_anything_else(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("DRILLBOT_SHARD_COUNT", "DRILLBOT_SHARDS", "DISCORD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    assert main(argv) == Exit.CONFIG
    err = capsys.readouterr().err
    assert err.startswith("drillbot: ") and err.count("\n") == 1
    assert "shard" in err


def test_run_flags_combine_with_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLBOT_SHARD_COUNT", "4")
    monkeypatch.delenv("DRILLBOT_SHARDS", raising=False)
    assert main(["run", "--shards", "4"]) == Exit.CONFIG  # --shards checked against env's 4
    assert "< shard count 4 (got 4-4)" in capsys.readouterr().err
