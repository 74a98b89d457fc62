"""The composition root: every service is built here, once, before discord.py starts.

``build_app`` opens the store, loads the bank and builds the services in dependency order;
``DrillBot(app=app)`` receives the result and the cogs take what they need from ``bot.app``.
Nothing else builds a service, so a new one is one line here (and one field on ``App``).

The services reach Discord through ports (``bot.daily.publishing.Publisher``). The Discord side of a
port needs the client, and the client is built from the app, so one link is made late:
``DiscordPort`` is built empty here and the Discord glue plugs its publisher in when its
extension loads. Using it before then is a start-up bug and raises.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, cast

from bot.bank import Bank, default_content_dir, load_bank
from bot.bank.catalog import Catalog
from bot.boards.privacy import PrivacyService
from bot.boards.service import LeaderboardService
from bot.boards.stats import StatsService
from bot.clock import Clock
from bot.daily.blind import BlindAnswers
from bot.daily.ingest import AnswerWriter
from bot.daily.job import DailyJob
from bot.daily.publishing import Publisher
from bot.daily.service import DailyService
from bot.digest.job import DigestJob
from bot.digest.service import DigestService
from bot.gaps.service import GapService
from bot.jobs import Dispatcher
from bot.mock import MockService, PairService
from bot.nudge.job import NudgeJob
from bot.nudge.service import NudgeService
from bot.ops.config import Settings
from bot.organiser.service import Organiser
from bot.ownership import Ownership
from bot.plan.reminders import Reminders
from bot.plan.service import PlanService
from bot.practice.checklist import ChecklistService
from bot.practice.quiz import QuizService
from bot.storage import Store, open_store
from bot.storage.reader import page_reader
from bot.web.names import NameBook
from bot.web.server import WebServer
from bot.web.service import WebBoards

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds daily work half-way through gets to finish on shutdown


class DiscordPort:
    """Stands in for the Discord publisher until the glue plugs the real one in."""

    def __init__(self) -> None:
        self._publisher: Publisher | None = None

    @property
    def plugged(self) -> bool:
        return self._publisher is not None

    def plug(self, publisher: Publisher) -> None:
        if self._publisher is not None:
            raise RuntimeError("a Discord publisher is plugged in already")
        self._publisher = publisher

    def __getattr__(self, name: str) -> Any:
        publisher = self.__dict__.get("_publisher")
        if publisher is None:
            raise RuntimeError(f"Discord used ({name}) before its extension plugged it in")
        return getattr(publisher, name)


@dataclass(eq=False)
class App:
    """Everything the bot runs on. Built by ``build_app``; started and closed by the client."""

    settings: Settings
    clock: Clock
    store: Store
    owns_store: bool
    catalog: Catalog
    discord: DiscordPort
    writer: AnswerWriter
    daily: DailyService
    jobs: Dispatcher
    daily_job: DailyJob
    quiz: QuizService
    organiser: Organiser
    leaderboard: LeaderboardService
    stats: StatsService
    privacy: PrivacyService
    mock: MockService
    pairs: PairService
    plan: PlanService
    reminders: Reminders
    gaps: GapService
    digest: DigestService
    digest_job: DigestJob
    nudges: NudgeService
    nudge_job: NudgeJob
    checklist: ChecklistService
    blind: BlindAnswers
    names: NameBook
    ownership: Ownership
    web: WebBoards
    web_server: WebServer | None  # None: DRILLBOT_WEB unset

    async def start(self) -> None:
        """Inside the running loop, before the extensions load (discord.py's setup_hook)."""
        self.writer.start()
        await self.daily.load_open_posts()
        if self.web_server is not None:
            try:
                await self.web_server.start()
            except OSError as exc:
                from bot.ops.preflight import Exit, PreflightError

                where = f"{self.web_server.host}:{self.web_server.port}"
                raise PreflightError(
                    f"web board cannot listen on {where}: {exc.strerror or exc} (DRILLBOT_WEB)",
                    Exit.CONFIG,
                ) from None

    async def start_schedule(self) -> None:
        """After the extensions loaded: from here on jobs may reach Discord."""
        await self.jobs.start()

    async def stop_schedule(self) -> None:
        """Before Discord closes: no new runs; a post half-way through finishes, and so does
        an organiser's post-now or reveal-now."""
        await self.jobs.shutdown()
        try:
            async with asyncio.timeout(STOP_GRACE):
                await self.daily.idle()
        except TimeoutError:
            log.warning("closing while daily work is still running")

    async def close(self) -> None:
        """After Discord closed: undo ``start`` and ``build_app`` (web board, answer writer,
        store)."""
        if self.web_server is not None:
            await self.web_server.close()
        await self.web.close()
        await self.jobs.shutdown()
        await self.names.close()
        await self.writer.close()
        if self.owns_store:
            await self.store.close()


async def build_app(
    settings: Settings,
    clock: Clock,
    *,
    bank: Bank | None = None,
    store: Store | None = None,
) -> App:
    """Build every service. ``bank`` and ``store`` are for tests that share them between runs;
    a store passed in stays open when the app closes (its owner closes it)."""
    owns_store = store is None
    store = store or await open_store(settings.store_url)
    try:
        bank = bank or load_bank([settings.content_dir or default_content_dir()])
    except BaseException:
        if owns_store:
            await store.close()
        raise
    catalog = Catalog(bank, store)
    discord = DiscordPort()
    writer = AnswerWriter(store)
    owns = settings.shards.owns
    daily = DailyService(store, catalog, cast(Publisher, discord), clock, writer, owns)
    jobs = Dispatcher(clock)
    daily_job = DailyJob(store, daily, jobs, owns=owns)
    jobs.register(daily_job)
    quiz = QuizService(store, catalog, clock)

    async def reschedule(guild_id: int | None = None) -> None:
        """A guild's settings changed: its posts and its nudges are planned again."""
        await daily_job.reschedule(guild_id)
        if guild_id is not None:
            nudge_job.changed(guild_id)

    organiser = Organiser(store, catalog, clock, daily, reschedule, reveal_at=daily_job.reveal_at)
    mock = MockService(store.mock, catalog, clock)
    pairs = PairService(store.mock_pairs, mock, clock)
    plan = PlanService(store, catalog, clock)
    reminders = Reminders(plan, clock, jobs)
    if settings.shards.primary:
        jobs.register(reminders)  # per member, not per guild: the process with shard 0 only
    gaps = GapService(store, catalog, clock)
    digest = DigestService(store, catalog, clock, gaps, cast(Publisher, discord))
    digest_job = DigestJob(store, digest, jobs, owns=owns)
    jobs.register(digest_job)
    leaderboard = LeaderboardService(store, catalog, clock)
    stats = StatsService(store, catalog, clock)
    names = NameBook(store, clock)
    # Pages read through a connection of their own (bot/storage/reader.py), never the writer's.
    reads = page_reader(store)
    web = WebBoards(
        store, reads, clock, names, LeaderboardService(reads, catalog, clock),
        StatsService(reads, catalog, clock), GapService(reads, catalog, clock),
        MockService(reads.mock, catalog, clock), settings.web_base,
    )  # fmt: skip
    web_server = None
    if settings.web_port is not None:
        web_server = WebServer(web, settings.web_host, settings.web_port)
    nudges = NudgeService(store, catalog, clock, daily, cast(Publisher, discord))
    nudge_job = NudgeJob(store, nudges, jobs, owns=owns)
    jobs.register(nudge_job)
    return App(
        settings=settings,
        clock=clock,
        store=store,
        owns_store=owns_store,
        catalog=catalog,
        discord=discord,
        writer=writer,
        daily=daily,
        jobs=jobs,
        daily_job=daily_job,
        quiz=quiz,
        organiser=organiser,
        leaderboard=leaderboard,
        stats=stats,
        privacy=PrivacyService(store, clock),
        mock=mock,
        pairs=pairs,
        plan=plan,
        reminders=reminders,
        gaps=gaps,
        digest=digest,
        digest_job=digest_job,
        nudges=nudges,
        nudge_job=nudge_job,
        checklist=ChecklistService(store, catalog, quiz),
        blind=BlindAnswers(store, clock),
        names=names,
        ownership=Ownership(store),
        web=web,
        web_server=web_server,
    )
