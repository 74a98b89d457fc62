"""The weekly digest: organisers choose a day and a time; the digest of the week before is
posted in the question channel once per week.

Exactly once: the (guild, week) is claimed in the database before anything is sent (as the daily
post claims its (guild, date)); the message carries a nonce and a footer marker, and a claim found
pending after a crash is looked for in the channel's history after the claim — by time, however
many messages followed — before anything is sent again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

from bot import schedule
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.publishing import Publisher, nonce_for, search_from
from bot.digest.rules import STREAKS, TOP, Digest, hardest, most_improved
from bot.errors import DrillError, PublishError
from bot.gaps.service import GapService
from bot.jobs import RETRY
from bot.storage import DigestClaim, DigestSettings, Store

log = logging.getLogger(__name__)
Send = Callable[[int, Digest, str, str], Awaitable[int]]  # channel, digest, nonce, marker -> id


def marker_for(week: str) -> str:
    """The digest's footer: how the bot recognises its own digest in the channel's history."""
    return f"drillbot weekly digest · week of {week}"


class DigestService:
    """Built by the composition root; the Discord glue plugs in how a digest is sent."""

    def __init__(
        self, store: Store, catalog: Catalog, clock: Clock, gaps: GapService, publisher: Publisher
    ) -> None:
        self.store, self.catalog, self.clock = store, catalog, clock
        self.gaps, self.publisher = gaps, publisher
        self._send: Send | None = None
        self.sent = 0

    def plug(self, send: Send) -> None:
        self._send = send

    # -- settings ---------------------------------------------------------------------------
    async def configure(self, guild_id: int, user_id: int, day: str, time: str) -> datetime:
        """``/drill digest day:mon time:09:00``; when the first digest will be posted. Raises
        DrillError on a bad day or time, or in a guild without a question channel."""
        try:
            weekday = schedule.parse_weekday(day)
            post_time = schedule.parse_time(time)
        except schedule.ScheduleError as exc:
            raise DrillError(str(exc)) from None
        guild = await self.store.guilds.get(guild_id)
        if guild is None or guild.channel_id is None:
            raise DrillError("Set up the daily question first: the digest goes to its channel.")
        now = self.clock.now()
        await self.store.digests.set(guild_id, weekday, post_time, user_id, now)
        await self.store.guilds.audit(guild_id, user_id, "digest", None, f"{day} {post_time}", now)
        return schedule.weekly_after(guild.timezone, weekday, post_time, now)

    async def off(self, guild_id: int, user_id: int) -> bool:
        done = await self.store.digests.off(guild_id)
        await self.store.guilds.audit(guild_id, user_id, "digest", None, "off", self.clock.now())
        return done

    async def settings(self, guild_id: int) -> DigestSettings | None:
        found = await self.store.digests.settings(guild_id)
        return found[0] if found else None

    # -- when -------------------------------------------------------------------------------
    async def due(self, guild_id: int, now: datetime) -> tuple[datetime, str] | None:
        """The digest's latest due instant and the week it covers; None if it is off, the
        guild has no question channel, or no digest has fallen due since it was set (set on a
        Wednesday for Mondays, the first comes next Monday, not at once)."""
        digest = await self.settings(guild_id)
        guild = await self.store.guilds.get(guild_id)
        if digest is None or guild is None or guild.channel_id is None:
            return None
        at = schedule.weekly_latest(guild.timezone, digest.weekday, digest.post_time, now)
        if at <= digest.since:
            return None
        week_start = (await self.store.boards.settings(guild_id)).week_start
        this_week = date.fromisoformat(
            schedule.week_of(schedule.day_in(guild.timezone, at).isoformat(), week_start)
        )
        return at, (this_week - timedelta(days=7)).isoformat()

    async def next_due(self, guild_id: int, now: datetime, *, retry: bool) -> datetime | None:
        """Now if this week's digest is due and not out yet (after downtime too: a digest due
        while the bot was down goes out on start; a minute on after a run that failed), else
        the next weekly instant. None while it is off."""
        digest = await self.settings(guild_id)
        guild = await self.store.guilds.get(guild_id)
        if digest is None or guild is None or guild.channel_id is None:
            return None
        due = await self.due(guild_id, now)
        if due is not None:
            claim = await self.store.digests.get(guild_id, due[1])
            if claim is None or claim.state != "posted":
                return now + RETRY if retry else now
        return schedule.weekly_after(guild.timezone, digest.weekday, digest.post_time, now)

    # -- the run ----------------------------------------------------------------------------
    async def run(self, guild_id: int) -> bool:
        """Post this week's digest if it is due and not out yet. True: it is out."""
        now = self.clock.now()
        due = await self.due(guild_id, now)
        guild = await self.store.guilds.get(guild_id)
        if due is None or guild is None or guild.channel_id is None or self._send is None:
            return False
        at, week = due
        claim, made = await self.store.digests.claim(guild_id, week, guild.channel_id, at, now)
        if claim.state == "posted":
            return True
        if not made and await self._found(claim):
            return True
        digest = await self.build(guild_id, week)
        nonce = nonce_for(guild_id, week, "digest")
        try:
            message_id = await self._send(claim.channel_id, digest, nonce, marker_for(week))
        except PublishError as exc:
            log.warning("digest of guild %s for %s not sent, will retry: %s", guild_id, week, exc)
            return False
        await self.store.digests.mark_posted(claim.id, message_id, self.clock.now())
        self.sent += 1
        log.info("guild %s: weekly digest for the week of %s posted", guild_id, week)
        return True

    async def _found(self, claim: DigestClaim) -> bool:
        """A claim left pending (a crash after Discord took the message?): look for it."""
        try:
            found = await self.publisher.find_post(
                claim.channel_id, marker_for(claim.week), search_from(claim.claimed_at)
            )
        except PublishError as exc:
            log.warning("looking for the digest of %s failed: %s", claim.week, exc)
            return False
        if found is None:
            return False
        log.info("guild %s: digest for %s was already out", claim.guild_id, claim.week)
        await self.store.digests.mark_posted(claim.id, found.message_id, self.clock.now())
        return True

    async def build(self, guild_id: int, week: str) -> Digest:
        """The digest of the week starting ``week`` (hidden members never appear)."""
        start = date.fromisoformat(week)
        until = start + timedelta(days=7)
        this_week = await self.store.boards.top(guild_id, f"w:{week}", limit=50, offset=0)
        before = f"w:{(start - timedelta(days=7)).isoformat()}"
        week_before = await self.store.boards.top(guild_id, before, limit=200, offset=0)
        history = await self.store.gaps.history(
            guild_id, week, datetime.combine(start, time(), UTC)
        )
        posts = {p.post_id: p.local_date for p in history.posts if p.local_date < until.isoformat()}
        per_day = Counter(posts[post] for post, _user in history.answers if post in posts)
        days = [(start + timedelta(days=i)).isoformat() for i in range(7)]
        last = await self.store.boards.last_revealed_date(guild_id)
        streaks = await self.store.digests.live_streaks(guild_id, last, STREAKS) if last else []
        bank = await self.catalog.for_guild(guild_id)
        grades = await self.store.digests.post_grades(guild_id, week, until.isoformat())
        prompts = {q: found.prompt for _d, q, _g in grades if (found := bank.lookup(q))}
        report = await self.gaps.report(guild_id)
        weakest = next((a for a in report.weakest if a.kind == "topic"), None)
        return Digest(
            week=week,
            until=(until - timedelta(days=1)).isoformat(),
            posts=len(posts),
            answers=sum(per_day.values()),
            per_day=tuple(per_day.get(d, 0) for d in days),
            top=tuple((r.user_id, r.points) for r in this_week[:TOP]),
            improved=most_improved(
                ((r.user_id, r.points) for r in this_week),
                ((r.user_id, r.points) for r in week_before),
            ),
            streaks=tuple(streaks),
            hardest=hardest(((q, g) for _d, q, g in grades), prompts),
            weakest=weakest.name if weakest else None,
            focus=weakest.key if weakest else None,
        )
