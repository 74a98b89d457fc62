"""Storage: typed repositories over SQLite (one aiosqlite connection, the default) or
PostgreSQL (an asyncpg pool, for several processes). No SQL outside this package.

``Store`` is the interface the rest of the bot sees; ``open_store(url)`` picks the backend
from ``DRILLBOT_DB``: a file path or ``sqlite:///path``, or ``postgresql://user:pass@host/db``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.storage.backend import Backend
from bot.storage.blind import BlindRepo, PlanRow
from bot.storage.boards import BoardRepo
from bot.storage.buttons import ButtonAnswer, ButtonAnswerRepo
from bot.storage.daily import AnswerRepo, DailyRepo
from bot.storage.database import Database
from bot.storage.digests import DigestClaim, DigestRepo, DigestSettings
from bot.storage.gaps import GapRepo
from bot.storage.guilds import GuildRepo
from bot.storage.history import HistoryRepo
from bot.storage.migrate import SchemaTooNew, SchemaTooOld
from bot.storage.mock import MockRepo
from bot.storage.mock_pairs import PairRepo
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
from bot.storage.nudges import NudgeRepo
from bot.storage.plans import PlanRepo
from bot.storage.practice import PracticeRepo
from bot.storage.scores import ScoreRepo
from bot.storage.url import backend_of
from bot.storage.web import WebRepo

if TYPE_CHECKING:
    from bot.storage.postgres import PgDatabase

__all__ = [
    "Answer",
    "AuditEntry",
    "Award",
    "BlindRepo",
    "ButtonAnswer",
    "ButtonAnswerRepo",
    "DailyPost",
    "Database",
    "DigestClaim",
    "DigestSettings",
    "GuildPack",
    "GuildSettings",
    "MemberStats",
    "NewAnswer",
    "PgDatabase",
    "PlanRow",
    "QuizSession",
    "ReportSummary",
    "SchemaTooNew",
    "SchemaTooOld",
    "SrsCard",
    "Standing",
    "Store",
    "backend_of",
    "open_store",
]


def __getattr__(name: str) -> Any:
    # PostgreSQL's backend (asyncpg, SQLAlchemy's PostgreSQL dialect: ~5 MB resident) loads
    # when a PostgreSQL store is opened, or PgDatabase named: never on SQLite (issue 25).
    if name == "PgDatabase":
        from bot.storage.postgres import PgDatabase

        return PgDatabase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Store:
    def __init__(self, db: Backend) -> None:
        self.db = db
        self.guilds = GuildRepo(db)
        self.daily = DailyRepo(db)
        self.answers = AnswerRepo(db)
        self.scores = ScoreRepo(db)
        self.boards = BoardRepo(db)
        self.history = HistoryRepo(db)
        self.practice = PracticeRepo(db)
        self.mock = MockRepo(db)
        self.mock_pairs = PairRepo(db)
        self.plans = PlanRepo(db)
        self.gaps = GapRepo(db)
        self.blind = BlindRepo(db)
        self.buttons = ButtonAnswerRepo(db)
        self.digests = DigestRepo(db)
        self.web = WebRepo(db)
        self.nudges = NudgeRepo(db)

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()


async def open_store(url: str | Path) -> Store:
    """Open (and migrate) the database ``url`` names; see ``backend_of``."""
    kind, where = backend_of(url)
    if kind == "postgresql":
        from bot.storage.postgres import PgDatabase

        return Store(await PgDatabase.open(where))
    return Store(await Database.open(where))
