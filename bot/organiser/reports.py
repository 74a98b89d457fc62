"""Members reporting a question (practice card or daily reveal): once per thing reported."""

from __future__ import annotations

import logging

from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.errors import DrillError
from bot.practice.steps import MAX_REPORT_DETAIL, AlreadyDone, parse_reason
from bot.storage import QuizSession, Store

log = logging.getLogger(__name__)


class Reports:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store, self.catalog, self.clock = store, catalog, clock

    async def for_session(self, session: QuizSession, reason: str, detail: str) -> str:
        """Report a practice card's question; the caller checked the session is the member's."""
        return await self._store(
            session.guild_id,
            session.user_id,
            session.question_id,
            session.question_version,
            reason,
            detail,
            source=f"session:{session.id}",
        )

    async def for_daily(self, post_id: int, user_id: int, reason: str, detail: str) -> str:
        post = await self.store.daily.by_id(post_id)
        if post is None:
            raise DrillError("That daily question is gone.")
        bank = await self.catalog.for_guild(post.guild_id)
        question = bank.lookup(post.question_id)
        version = question.version if question else "?"
        return await self._store(
            post.guild_id,
            user_id,
            post.question_id,
            version,
            reason,
            detail,
            source=f"daily:{post.id}",
        )

    async def _store(
        self,
        guild_id: int | None,
        user_id: int,
        question_id: str,
        version: str,
        reason: str,
        detail: str,
        *,
        source: str,
    ) -> str:
        kind = parse_reason(reason)
        stored = await self.store.practice.report(
            guild_id=guild_id,
            user_id=user_id,
            question_id=question_id,
            question_version=version,
            reason=kind,
            detail=detail.strip()[:MAX_REPORT_DETAIL],
            now=self.clock.now(),
            source=source,
        )
        if not stored:  # a second submit of the same report: the UNIQUE key refused it
            raise AlreadyDone("You already reported this question; the organisers have it.")
        log.info("question %s v%s reported as %s", question_id, version, kind)
        return kind
