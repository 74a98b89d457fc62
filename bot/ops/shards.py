"""Which guilds a process serves when the bot runs as several shard processes.

Discord sends each guild's events to exactly one shard: ``(guild_id >> 22) % shard_count``.
A process that runs shards ``first..last`` of ``count`` schedules the daily posts and reveals
of those guilds only; member-level work that belongs to no guild (study-plan reminders by DM)
runs in the process that holds shard 0. The daily post for (guild, local date) is still
claimed in the database, so two processes that overlapped by mistake would not post twice.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SHARDS = 100_000  # far beyond any real bot; stops a typo from planning millions of ids


def every_guild(_guild_id: int) -> bool:
    """The ownership test of an unsharded process: it serves every guild."""
    return True


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes ``guild_id`` to (Discord's documented formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Shards ``first..last`` (inclusive) of ``count``. The default is one unsharded process."""

    count: int = 1
    first: int = 0
    last: int = 0
    sharded: bool = False  # False: a plain single-connection bot (the default)

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise ValueError(f"shard count must be 1-{MAX_SHARDS} (got {self.count})")
        if not 0 <= self.first <= self.last < self.count:
            raise ValueError(
                f"shards must be a-b with 0 <= a <= b < shard count {self.count} "
                f"(got {self.first}-{self.last})"
            )

    @property
    def ids(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def primary(self) -> bool:
        """Holds shard 0: runs the work that belongs to no guild (plan reminders)."""
        return self.first == 0

    def owns(self, guild_id: int) -> bool:
        return self.first <= shard_of(guild_id, self.count) <= self.last

    @classmethod
    def parse(cls, count: str | int | None, shards: str | None) -> ShardPlan:
        """From ``--shard-count N`` and ``--shards a-b`` (or ``a``); both absent: unsharded.
        Raises ValueError with a one-line message."""
        if count is None and shards is None:
            return cls()
        if count is None:
            raise ValueError("--shards needs --shard-count (DRILLBOT_SHARD_COUNT) as well")
        n = _int(count, "shard count")
        if shards is None:
            return cls(n, 0, n - 1, sharded=True)
        first, sep, last = str(shards).strip().partition("-")
        a = _int(first, "shards")
        b = _int(last, "shards") if sep else a
        return cls(n, a, b, sharded=True)

    def describe(self) -> str:
        if not self.sharded:
            return "unsharded"
        return f"shards {self.first}-{self.last} of {self.count}"


def _int(text: str | int, what: str) -> int:
    value = str(text).strip()
    if not value.isdigit() or len(value) > 6:
        raise ValueError(
            f"{what} must be a whole number (got {str(text)[:20]!r}); shards are written a-b"
        )
    return int(value)
