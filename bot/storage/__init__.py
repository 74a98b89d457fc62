"""Storage: one aiosqlite connection behind typed repositories. No SQL outside this package.

``Store`` is the interface the rest of the bot sees; a PostgreSQL backend would provide the
same repositories over a pool.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.boards import BoardRepo
from bot.storage.daily import AnswerRepo, DailyRepo
from bot.storage.database import Database, SchemaTooNew, migrations
from bot.storage.gaps import GapRepo
from bot.storage.guilds import GuildRepo
from bot.storage.history import HistoryRepo
from bot.storage.mock import MockRepo
from bot.storage.models import (
    Answer,
    AuditEntry,
    Award,
    DailyPost,
    GuildPack,
    GuildSettings,
    MemberStats,
    NewAnswer,
    QuizSession,
    ReportSummary,
    SrsCard,
    Standing,
)
from bot.storage.plans import PlanRepo
from bot.storage.practice import PracticeRepo
from bot.storage.scores import ScoreRepo

__all__ = [
    "Answer",
    "AuditEntry",
    "Award",
    "DailyPost",
    "Database",
    "GuildPack",
    "GuildSettings",
    "MemberStats",
    "NewAnswer",
    "QuizSession",
    "ReportSummary",
    "SchemaTooNew",
    "SrsCard",
    "Standing",
    "Store",
    "migrations",
]


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.guilds = GuildRepo(db)
        self.daily = DailyRepo(db)
        self.answers = AnswerRepo(db)
        self.scores = ScoreRepo(db)
        self.boards = BoardRepo(db)
        self.history = HistoryRepo(db)
        self.practice = PracticeRepo(db)
        self.mock = MockRepo(db)
        self.plans = PlanRepo(db)
        self.gaps = GapRepo(db)

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()
