"""Storage against real SQLite files and a real PostgreSQL: migrations, pragmas, every
repository, races, backup. The repository tests run on both backends (``db`` is parametrised);
pragmas, backup and two connections to one file are SQLite's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage import (
    Answer,
    AuditEntry,
    Award,
    DailyPost,
    Database,
    GuildPack,
    GuildSettings,
    MemberStats,
    NewAnswer,
    PgDatabase,
    QuizSession,
    ReportSummary,
    SchemaTooNew,
    SrsCard,
    Standing,
    Store,
    migrate,
    open_store,
)
from tests.support.sql import sql

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
GUILD = 111
CHANNEL = 222
ORGANISER = 333
ANA, BEN = 1001, 1002
LATEST = migrate.head()
REVISIONS = [int(r) for r in migrate.revisions()]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "drill.sqlite3"


@pytest.fixture
async def db(store_url: str) -> AsyncIterator[Database | PgDatabase]:
    """Each backend in turn (conftest's ``store_url``)."""
    opened = await open_store(store_url)
    try:
        yield opened.db
    finally:
        await opened.close()


@pytest.fixture
async def store(db: Database) -> Store:
    return Store(db)


@pytest.fixture
async def sqlite_db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    try:
        yield database
    finally:
        await database.close()


async def claim(store: Store, local_date: str = "2025-03-03", **kw: object) -> DailyPost:
    args: dict[str, object] = {
        "guild_id": GUILD,
        "local_date": local_date,
        "question_id": "cicd-001",
        "topic": "cicd",
        "channel_id": CHANNEL,
        "nonce": f"n-{local_date}",
        "scheduled_for": T0,
        "reveal_at": T0 + timedelta(hours=23),
        "now": T0,
    }
    args.update(kw)
    post, _ = await store.daily.claim(**args)  # type: ignore[arg-type]
    return post


def answer(post: DailyPost, user_id: int, message_id: int, text: str = "my answer") -> NewAnswer:
    return NewAnswer(
        daily_post_id=post.id,
        guild_id=post.guild_id,
        user_id=user_id,
        message_id=message_id,
        channel_id=post.thread_id or CHANNEL,
        content=text,
        created_at=T0 + timedelta(minutes=message_id % 100),
    )


def next_streak(prev: MemberStats | None, local_date: str) -> tuple[int, int]:
    run = (prev.streak if prev else 0) + 1
    return run, max(run, prev.best_streak if prev else 0)


# -- database: migrations and pragmas ---------------------------------------------------------
@pytest.mark.sqlite_only(
    "a new SQLite file; on PostgreSQL every test starts from the migrated template and "
    "test_storage_pg.py compares both schemas"
)
async def test_migrates_an_empty_file(sqlite_db: Database) -> None:
    db = sqlite_db
    assert await db.schema_version() == LATEST
    tables = {
        r[0] for r in await db.fetchall(*sql("SELECT name FROM sqlite_master WHERE type='table'"))
    }
    expected = {"guild_settings", "daily_posts", "answers", "points", "member_stats", "audit_log"}
    assert expected <= tables


@pytest.mark.sqlite_only(
    "a SQLite file opened twice; on PostgreSQL: "
    "test_storage_pg.py::test_two_processes_migrating_at_once_apply_each_migration_once"
)
async def test_rerunning_migrations_applies_nothing_twice(db_path: Path) -> None:
    first = await Database.open(db_path, migrate=False)
    try:
        assert await first.migrate() == REVISIONS
        assert await first.migrate() == []
    finally:
        await first.close()
    again = await Database.open(db_path)
    try:
        assert await again.migrate() == []
        rows = await again.fetchall(*sql("SELECT version_num FROM alembic_version"))
        assert [tuple(r) for r in rows] == [(f"{LATEST:04d}",)]
        # release 0.1 reads schema_version, and must refuse this database as newer than itself
        assert [
            tuple(r) for r in await again.fetchall(*sql("SELECT version FROM schema_version"))
        ] == [(migrate.FENCE,)]
    finally:
        await again.close()


@pytest.mark.sqlite_only(
    "a SQLite file; the twin is test_storage_pg.py::test_refuses_a_newer_schema"
)
async def test_refuses_a_newer_schema(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        await db.execute(*sql("UPDATE alembic_version SET version_num = '0999'"))
    finally:
        await db.close()
    with pytest.raises(SchemaTooNew) as caught:
        await Database.open(db_path)
    message = str(caught.value)
    assert "schema version 999" in message
    assert f"only up to {LATEST}" in message
    assert str(db_path) in message


@pytest.mark.sqlite_only(
    "SQLite pragmas; on PostgreSQL: "
    "test_storage_pg.py::test_foreign_key_violation_is_an_integrity_error"
)
async def test_wal_and_foreign_keys_are_on(sqlite_db: Database) -> None:
    db = sqlite_db
    assert (await db.fetchone(*sql("PRAGMA journal_mode")))[0] == "wal"
    assert (await db.fetchone(*sql("PRAGMA foreign_keys")))[0] == 1
    with pytest.raises(IntegrityError):  # SQLAlchemy's, on both backends
        await db.execute(
            *sql(
                "INSERT INTO answers (guild_id, daily_post_id, user_id, message_id, content,"
                " created_at) VALUES (1, 424242, 1, 1, 'x', '2025-01-01')"
            )
        )


async def test_failed_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                *sql(
                    "INSERT INTO notices (guild_id, kind, subject, sent_at)"
                    " VALUES (1, 'k', 's', 't')"
                )
            )
            raise RuntimeError("boom")
    assert await db.fetchall(*sql("SELECT * FROM notices")) == []


@pytest.mark.sqlite_only("SQLite's backup API")
async def test_backup_is_a_readable_copy(sqlite_db: Database, tmp_path: Path) -> None:
    store = Store(sqlite_db)
    await store.guilds.update(GUILD, ORGANISER, T0, channel_id=CHANNEL)
    target = tmp_path / "backup.sqlite3"
    await store.db.backup(target)
    copy = await Database.open(target, migrate=False)
    try:
        assert await copy.schema_version() == LATEST
        assert await copy.migrate() == []
        assert (await Store(copy).guilds.get_or_default(GUILD)).channel_id == CHANNEL
    finally:
        await copy.close()


# -- guilds -----------------------------------------------------------------------------------
async def test_unknown_guild_has_defaults(store: Store) -> None:
    assert await store.guilds.get(GUILD) is None
    settings = await store.guilds.get_or_default(GUILD)
    assert settings == GuildSettings(GUILD)
    assert not settings.configured


async def test_update_stores_settings_and_audits_old_and_new(store: Store) -> None:
    new, entries = await store.guilds.update(
        GUILD, ORGANISER, T0, channel_id=CHANNEL, weekdays=frozenset({0, 2, 4}), pin_posts=True
    )
    assert new.configured and new.pin_posts and new.weekdays == frozenset({0, 2, 4})
    assert await store.guilds.get(GUILD) == new
    assert [(e.action, e.old_value, e.new_value) for e in entries] == [
        ("set channel_id", None, str(CHANNEL)),
        ("set weekdays", "Mon,Tue,Wed,Thu,Fri,Sat,Sun", "Mon,Wed,Fri"),
        ("set pin_posts", "False", "True"),
    ]
    later = T0 + timedelta(hours=1)
    _, entries = await store.guilds.update(
        GUILD, ORGANISER, later, post_time="07:30", pin_posts=True
    )
    # An unchanged value writes no audit row.
    assert [(e.action, e.old_value, e.new_value) for e in entries] == [
        ("set post_time", "09:00", "07:30")
    ]
    recent = await store.guilds.recent_audit(GUILD)
    assert recent[0] == AuditEntry(
        entries[0].id, GUILD, ORGANISER, "set post_time", "09:00", "07:30", later
    )
    assert [e.action for e in recent] == [
        "set post_time",
        "set pin_posts",
        "set weekdays",
        "set channel_id",
    ]


async def test_update_refuses_uneditable_fields(store: Store) -> None:
    # Disabled topics have their own audited setter; update() must not bypass it.
    with pytest.raises(ValueError, match="not editable: disabled_topics"):
        await store.guilds.update(GUILD, ORGANISER, T0, disabled_topics=frozenset({"ml"}))
    assert await store.guilds.get(GUILD) is None


async def test_configured_lists_only_guilds_with_a_channel(store: Store) -> None:
    await store.guilds.update(2, ORGANISER, T0, channel_id=20)
    await store.guilds.update(1, ORGANISER, T0, channel_id=10)
    await store.guilds.update(3, ORGANISER, T0, paused=True)
    assert [(g.guild_id, g.channel_id) for g in await store.guilds.configured()] == [
        (1, 10),
        (2, 20),
    ]


async def test_topics_toggle_and_audit(store: Store) -> None:
    assert await store.guilds.set_topic_enabled(GUILD, "iac", False, ORGANISER, T0)
    assert not await store.guilds.set_topic_enabled(GUILD, "iac", False, ORGANISER, T0)
    assert await store.guilds.disabled_topics(GUILD) == frozenset({"iac"})
    await store.guilds.update(GUILD, ORGANISER, T0, channel_id=CHANNEL)
    assert (await store.guilds.get_or_default(GUILD)).disabled_topics == frozenset({"iac"})
    assert await store.guilds.set_topic_enabled(GUILD, "iac", True, ORGANISER, T0)
    assert await store.guilds.disabled_topics(GUILD) == frozenset()
    audit = [(e.action, e.old_value, e.new_value) for e in await store.guilds.recent_audit(GUILD)]
    assert ("topic iac", "enabled", "disabled") in audit
    assert ("topic iac", "disabled", "enabled") in audit


async def test_questions_toggle_and_audit(store: Store) -> None:
    assert await store.guilds.set_question_enabled(GUILD, "ml-001", False, ORGANISER, T0)
    assert not await store.guilds.set_question_enabled(GUILD, "ml-001", False, ORGANISER, T0)
    assert await store.guilds.disabled_questions(GUILD) == frozenset({"ml-001"})
    assert await store.guilds.set_question_enabled(GUILD, "ml-001", True, ORGANISER, T0)
    assert not await store.guilds.set_question_enabled(GUILD, "ml-001", True, ORGANISER, T0)
    assert await store.guilds.disabled_questions(GUILD) == frozenset()
    assert len(await store.guilds.recent_audit(GUILD)) == 2


async def test_guild_packs_save_replace_list_remove(store: Store) -> None:
    v1 = GuildPack(GUILD, "ours", "1", "pack: ours", 3, ORGANISER, T0)
    assert await store.guilds.save_pack(v1) is None
    v2 = GuildPack(GUILD, "ours", "2", "pack: ours v2", 5, ORGANISER, T0 + timedelta(days=1))
    assert await store.guilds.save_pack(v2) == v1
    await store.guilds.save_pack(GuildPack(9, "theirs", "1", "x", 4, 8, T0))
    assert await store.guilds.packs(GUILD) == [v2]
    assert [(p.guild_id, p.name) for p in await store.guilds.packs()] == [
        (9, "theirs"),
        (GUILD, "ours"),
    ]
    assert await store.guilds.remove_pack(GUILD, "ours", ORGANISER, T0) == v2
    assert await store.guilds.remove_pack(GUILD, "ours", ORGANISER, T0) is None
    assert await store.guilds.packs(GUILD) == []
    audit = [(e.old_value, e.new_value) for e in await store.guilds.recent_audit(GUILD)]
    assert audit == [
        ("v2 (5 questions)", "removed"),
        ("v1 (3 questions)", "v2 (5 questions)"),
        (None, "v1 (3 questions)"),
    ]


async def test_audit_and_recent_audit_limit(store: Store) -> None:
    for n in range(3):
        entry = await store.guilds.audit(GUILD, ORGANISER, f"act {n}", None, str(n), T0)
        assert entry.action == f"act {n}" and entry.id > 0
    recent = await store.guilds.recent_audit(GUILD, limit=2)
    assert [e.action for e in recent] == ["act 2", "act 1"]
    assert recent[0].at == T0


async def test_notice_once_until_cleared(store: Store) -> None:
    assert await store.guilds.notice_once(GUILD, "perm", "send", T0)
    assert not await store.guilds.notice_once(GUILD, "perm", "send", T0)
    assert await store.guilds.notice_once(GUILD, "perm", "threads", T0)
    await store.guilds.clear_notice(GUILD, "perm", "send")
    assert await store.guilds.notice_once(GUILD, "perm", "send", T0)


# -- daily posts ------------------------------------------------------------------------------
async def test_claim_creates_then_returns_the_same_slot(store: Store) -> None:
    post, created = await store.daily.claim(
        guild_id=GUILD,
        local_date="2025-03-03",
        question_id="cicd-001",
        topic="cicd",
        channel_id=CHANNEL,
        nonce="first",
        scheduled_for=T0,
        reveal_at=None,
        now=T0,
    )
    assert created
    assert post == DailyPost(
        post.id, GUILD, "2025-03-03", "cicd-001", "cicd", CHANNEL, "first", "pending",
        None, None, T0, None, None, None, 0, None, T0,
    )  # fmt: skip
    again, created = await store.daily.claim(
        guild_id=GUILD,
        local_date="2025-03-03",
        question_id="ml-002",
        topic="ml",
        channel_id=CHANNEL,
        nonce="second",
        scheduled_for=T0,
        reveal_at=None,
        now=T0,
    )
    assert not created
    assert again == post


@pytest.mark.sqlite_only(
    "two connections to one file; the twin is "
    "test_storage_pg.py::test_concurrent_claims_from_two_pools_make_one_post"
)
async def test_concurrent_claims_from_two_connections_make_one_post(db_path: Path) -> None:
    first = await Database.open(db_path)
    second = await Database.open(db_path)
    try:
        a, b = Store(first), Store(second)
        for day in range(1, 11):
            date = f"2025-04-{day:02d}"
            (post_a, made_a), (post_b, made_b) = await asyncio.gather(
                a.daily.claim(
                    guild_id=GUILD, local_date=date, question_id="q-a", topic="ml",
                    channel_id=CHANNEL, nonce="a", scheduled_for=T0, reveal_at=None, now=T0,
                ),
                b.daily.claim(
                    guild_id=GUILD, local_date=date, question_id="q-b", topic="ml",
                    channel_id=CHANNEL, nonce="b", scheduled_for=T0, reveal_at=None, now=T0,
                ),
            )  # fmt: skip
            assert [made_a, made_b].count(True) == 1, date
            assert post_a == post_b
            assert post_a.nonce == ("a" if made_a else "b")
        rows = await first.fetchall(
            *sql("SELECT COUNT(*) FROM daily_posts WHERE guild_id = ?", (GUILD,))
        )
        assert rows[0][0] == 10
    finally:
        await first.close()
        await second.close()


async def test_post_lifecycle_pending_posted_revealed(store: Store) -> None:
    post = await claim(store)
    assert [p.id for p in await store.daily.in_state("pending")] == [post.id]
    await store.daily.record_failure(post.id, "HTTP 503 " + "x" * 600)
    failed = await store.daily.by_id(post.id)
    assert failed is not None and failed.attempts == 1
    assert failed.last_error is not None and len(failed.last_error) == 500
    posted_at = T0 + timedelta(seconds=5)
    await store.daily.mark_posted(post.id, 5555, None, posted_at)
    await store.daily.set_thread(post.id, 6666)
    posted = await store.daily.by_thread(6666)
    assert posted is not None
    assert (posted.state, posted.message_id, posted.posted_at) == ("posted", 5555, posted_at)
    assert posted.last_error is None
    # A second mark_posted (e.g. after a restart) must not overwrite the first.
    await store.daily.mark_posted(post.id, 7777, 8888, posted_at + timedelta(minutes=1))
    assert (await store.daily.get(GUILD, "2025-03-03")) == posted
    assert await store.daily.due_reveals(T0 + timedelta(hours=22)) == []
    assert [p.id for p in await store.daily.due_reveals(T0 + timedelta(hours=23))] == [post.id]
    await store.daily.set_reveal_at(post.id, T0 + timedelta(hours=30))
    assert await store.daily.due_reveals(T0 + timedelta(hours=23)) == []
    revealed_at = T0 + timedelta(hours=30)
    assert await store.daily.mark_revealed(post.id, revealed_at)
    assert not await store.daily.mark_revealed(post.id, revealed_at)
    done = await store.daily.by_id(post.id)
    assert done is not None and (done.state, done.revealed_at) == ("revealed", revealed_at)
    assert await store.daily.in_state("posted") == []
    assert [p.id for p in await store.daily.in_state("revealed", GUILD)] == [post.id]
    assert await store.daily.in_state("revealed", GUILD + 1) == []


async def test_latest_use_counts_and_recent_topics(store: Store) -> None:
    await claim(store, "2025-03-01", question_id="ml-001", topic="ml")
    await claim(store, "2025-03-02", question_id="iac-001", topic="iac")
    await claim(store, "2025-03-03", question_id="ml-001", topic="ml")
    latest = await store.daily.latest(GUILD)
    assert latest is not None and latest.local_date == "2025-03-03"
    before = await store.daily.latest(GUILD, before_date="2025-03-03")
    assert before is not None and before.local_date == "2025-03-02"
    assert await store.daily.latest(GUILD + 1) is None
    assert await store.daily.question_use_counts(GUILD) == {"ml-001": 2, "iac-001": 1}
    assert await store.daily.recent_topics(GUILD, limit=2) == ["ml", "iac"]
    assert await store.daily.get(GUILD, "2025-02-28") is None
    assert await store.daily.by_id(424242) is None


# -- answers ----------------------------------------------------------------------------------
async def test_answers_are_idempotent_per_message(store: Store) -> None:
    post = await claim(store)
    batch = [answer(post, ANA, 10), answer(post, BEN, 11), answer(post, ANA, 12)]
    assert await store.answers.record(batch) == 3
    assert await store.answers.record(batch) == 0
    assert await store.answers.record([answer(post, BEN, 11), answer(post, BEN, 13)]) == 1
    assert await store.answers.record([]) == 0
    stored = await store.answers.for_post(post.id)
    assert [a.message_id for a in stored] == [10, 11, 12, 13]
    assert stored[0] == Answer(
        stored[0].id, GUILD, post.id, None, ANA, 10, "my answer",
        T0 + timedelta(minutes=10), None, 0, None,
    )  # fmt: skip
    assert await store.answers.last_message_id(post.id) == 13
    assert await store.answers.count_for_post(post.id) == (4, 2)


async def test_edits_are_counted_only_when_text_changes(store: Store) -> None:
    post = await claim(store)
    await store.answers.record([answer(post, ANA, 10, "v1")])
    t1, t2 = T0 + timedelta(minutes=30), T0 + timedelta(minutes=40)
    assert await store.answers.edit(10, "v2", t1)
    assert not await store.answers.edit(10, "v2", t2)
    assert await store.answers.edit(10, "v3", t2)
    assert not await store.answers.edit(99, "ghost", t2)
    edited = await store.answers.by_message(10)
    assert edited is not None
    assert (edited.content, edited.edit_count, edited.edited_at) == ("v3", 2, t2)


async def test_delete_marks_and_hides(store: Store) -> None:
    post = await claim(store)
    await store.answers.record([answer(post, ANA, 10), answer(post, BEN, 11)])
    gone = T0 + timedelta(hours=1)
    assert await store.answers.delete(10, gone)
    assert not await store.answers.delete(10, gone + timedelta(minutes=1))
    deleted = await store.answers.by_message(10)
    assert deleted is not None and deleted.deleted_at == gone and deleted.content == "my answer"
    assert [a.message_id for a in await store.answers.for_post(post.id)] == [11]
    everything = await store.answers.for_post(post.id, include_deleted=True)
    assert [a.message_id for a in everything] == [10, 11]
    assert await store.answers.count_for_post(post.id) == (1, 1)
    assert await store.answers.by_message(99) is None


async def test_quiz_answers_belong_to_their_session(store: Store) -> None:
    session = await store.practice.open_session(
        guild_id=None, user_id=ANA, question_id="ml-001", question_version="1", mode="quiz", now=T0
    )
    answer_id = await store.answers.record_quiz(
        session_id=session.id, guild_id=None, user_id=ANA, content="bias vs variance", now=T0
    )
    (stored,) = await store.answers.for_session(session.id)
    assert stored.id == answer_id
    assert (stored.quiz_session_id, stored.daily_post_id, stored.message_id) == (
        session.id,
        None,
        None,
    )
    assert stored.content == "bias vs variance"


# -- scores -----------------------------------------------------------------------------------
async def test_award_daily_is_idempotent_and_stats_match_the_ledger(store: Store) -> None:
    monday = await claim(store, "2025-03-03")
    awards = [Award(ANA, 10, "answer"), Award(BEN, 10, "answer"), Award(ANA, 5, "first")]
    written = await store.scores.award_daily(monday, awards, next_streak, T0)
    assert written == awards
    assert await store.scores.award_daily(monday, awards, next_streak, T0) == []
    tuesday = await claim(store, "2025-03-04", topic="iac")
    await store.scores.award_daily(tuesday, [Award(ANA, 10, "answer")], next_streak, T0)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana == MemberStats(GUILD, ANA, 25, 2, 2, 2, "2025-03-04")
    assert await store.scores.stats(GUILD, BEN) == MemberStats(
        GUILD, BEN, 10, 1, 1, 1, "2025-03-03"
    )
    assert await store.scores.stats(GUILD, 9999) is None
    totals = await store.scores.recomputed_totals(GUILD)
    standings = await store.scores.top(GUILD)
    assert {s.user_id: s.points for s in standings} == totals == {ANA: 25, BEN: 10}
    assert standings == [Standing(ANA, 25, 2, 2), Standing(BEN, 10, 1, 1)]


async def test_top_in_filters_by_topic_and_time(store: Store) -> None:
    monday = await claim(store, "2025-03-03", topic="cicd")
    tuesday = await claim(store, "2025-03-04", topic="iac")
    later = T0 + timedelta(days=1)
    await store.scores.award_daily(monday, [Award(ANA, 10, "answer")], next_streak, T0)
    await store.scores.award_daily(
        tuesday, [Award(BEN, 10, "answer"), Award(BEN, 3, "first")], next_streak, later
    )
    assert await store.scores.top_in(GUILD) == [Standing(BEN, 13, 1), Standing(ANA, 10, 1)]
    assert await store.scores.top_in(GUILD, topic="cicd") == [Standing(ANA, 10, 1)]
    assert await store.scores.top_in(GUILD, since=later) == [Standing(BEN, 13, 1)]
    assert await store.scores.top_in(GUILD, limit=1) == [Standing(BEN, 13, 1)]


# -- practice ---------------------------------------------------------------------------------
async def test_session_answer_reveal_and_grade(store: Store) -> None:
    session = await store.practice.open_session(
        guild_id=GUILD, user_id=ANA, question_id="ml-001", question_version="3", mode="quiz", now=T0
    )
    assert session == QuizSession(
        session.id, GUILD, ANA, "ml-001", "3", "quiz", "open", T0,
        None, None, None, False, None, None, None,
    )  # fmt: skip
    answered_at = T0 + timedelta(seconds=42)
    answered = await store.practice.record_answer(
        session.id, guild_id=GUILD, user_id=ANA, text="my answer", now=answered_at
    )
    assert (answered.state, answered.answered_at, answered.time_taken_ms) == (
        "answered",
        answered_at,
        42_000,
    )
    assert [a.content for a in await store.answers.for_session(session.id)] == ["my answer"]
    revealed_at = T0 + timedelta(minutes=1)
    await store.practice.mark(session.id, "revealed", revealed_at, notes_only=True)
    await store.practice.mark(session.id, "revealed", revealed_at, notes_only=False)
    revealed = await store.practice.session(session.id)
    assert revealed is not None
    # notes_only is sticky: once a member only read the notes, it stays recorded.
    assert (revealed.state, revealed.revealed_at, revealed.notes_only) == (
        "revealed",
        revealed_at,
        True,
    )
    due = T0 + timedelta(days=3)
    graded_at = T0 + timedelta(minutes=2)
    await store.practice.grade(session.id, 3, SrsCard(ANA, "ml-001", "{}", due, None, 0), graded_at)
    graded = await store.practice.session(session.id)
    assert graded is not None and (graded.state, graded.grade, graded.graded_at) == (
        "graded",
        3,
        graded_at,
    )
    assert await store.practice.card(ANA, "ml-001") == SrsCard(ANA, "ml-001", "{}", due, 3, 1)
    # Graded once: a second grade of the same session changes nothing.
    second = SrsCard(ANA, "ml-001", '{"s":2}', due, None, 0)
    assert await store.practice.grade(session.id, 4, second, due) is None
    assert await store.practice.card(ANA, "ml-001") == SrsCard(ANA, "ml-001", "{}", due, 3, 1)
    # The next session of the same question reviews the same card again.
    again = await store.practice.open_session(
        guild_id=GUILD,
        user_id=ANA,
        question_id="ml-001",
        question_version="3",
        mode="quiz",
        now=due,
    )
    assert await store.practice.mark(again.id, "revealed", due, notes_only=True)
    assert await store.practice.grade(again.id, 4, second, due) == second
    card = await store.practice.card(ANA, "ml-001")
    assert card is not None and (card.reviews, card.last_grade, card.card_json) == (2, 4, '{"s":2}')


async def test_record_answer_on_missing_session_raises(store: Store) -> None:
    with pytest.raises(LookupError, match="no quiz session 404"):
        await store.practice.record_answer(404, guild_id=None, user_id=ANA, text="x", now=T0)
    assert await store.practice.session(404) is None


async def test_skip_stamps_graded_at(store: Store) -> None:
    session = await store.practice.open_session(
        guild_id=None,
        user_id=ANA,
        question_id="ml-001",
        question_version="1",
        mode="review",
        now=T0,
    )
    await store.practice.mark(session.id, "skipped", T0 + timedelta(seconds=1))
    skipped = await store.practice.session(session.id)
    assert skipped is not None
    assert (skipped.state, skipped.graded_at) == ("skipped", T0 + timedelta(seconds=1))


async def test_seen_questions_and_sessions_since(store: Store) -> None:
    for minutes, qid in [(0, "ml-001"), (10, "ml-001"), (20, "iac-001")]:
        await store.practice.open_session(
            guild_id=None,
            user_id=ANA,
            question_id=qid,
            question_version="1",
            mode="quiz",
            now=T0 + timedelta(minutes=minutes),
        )
    assert await store.practice.seen_questions(ANA) == {"ml-001": 2, "iac-001": 1}
    assert await store.practice.seen_questions(BEN) == {}
    assert await store.practice.sessions_since(ANA, T0 + timedelta(minutes=10)) == 2


async def test_due_cards_and_next_due(store: Store) -> None:
    assert await store.practice.next_due(ANA) is None
    soon, later = T0 + timedelta(days=1), T0 + timedelta(days=5)
    for qid, grade, due in [("ml-001", 3, later), ("iac-001", 2, soon)]:
        session = await store.practice.open_session(
            guild_id=None, user_id=ANA, question_id=qid, question_version="1", mode="quiz", now=T0
        )
        await store.practice.mark(session.id, "revealed", T0, notes_only=True)
        await store.practice.grade(session.id, grade, SrsCard(ANA, qid, "{}", due, None, 0), T0)
    assert await store.practice.next_due(ANA) == soon
    assert await store.practice.due_cards(ANA, T0) == []
    assert [c.question_id for c in await store.practice.due_cards(ANA, later)] == [
        "iac-001",
        "ml-001",
    ]
    assert [c.question_id for c in await store.practice.due_cards(ANA, later, limit=1)] == [
        "iac-001"
    ]
    assert await store.practice.card(BEN, "ml-001") is None


async def test_reports_are_summarised_per_question(store: Store) -> None:
    for minutes, qid, reason, detail in [
        (0, "ml-001", "wrong", "first"),
        (5, "ml-001", "unclear", "second"),
        (10, "iac-001", "typo", "only"),
    ]:
        report_id = await store.practice.report(
            guild_id=GUILD,
            user_id=ANA,
            question_id=qid,
            question_version="1",
            reason=reason,
            detail=detail,
            now=T0 + timedelta(minutes=minutes),
        )
        assert report_id > 0
    assert await store.practice.report_summary(GUILD) == [
        ReportSummary("iac-001", 1, T0 + timedelta(minutes=10), ("typo",), "only"),
        ReportSummary("ml-001", 2, T0 + timedelta(minutes=5), ("unclear", "wrong"), "second"),
    ]
    assert await store.practice.report_summary(GUILD + 1) == []


async def test_defaults_of_an_unconfigured_guild_include_topics_switched_off(store: Store) -> None:
    await store.guilds.set_topic_enabled(GUILD, "cicd", False, ORGANISER, T0)
    assert await store.guilds.get(GUILD) is None
    defaults = await store.guilds.get_or_default(GUILD)
    assert defaults.disabled_topics == frozenset({"cicd"}) and not defaults.configured


async def test_configured_guilds_carry_their_own_disabled_topics(store: Store) -> None:
    other, unset = GUILD + 1, GUILD + 2
    for guild in (GUILD, other):
        await store.guilds.update(guild, ORGANISER, T0, channel_id=CHANNEL)
    await store.guilds.set_topic_enabled(GUILD, "cicd", False, ORGANISER, T0)
    await store.guilds.set_topic_enabled(other, "iac", False, ORGANISER, T0)
    await store.guilds.set_topic_enabled(other, "ml", False, ORGANISER, T0)
    await store.guilds.set_topic_enabled(unset, "data", False, ORGANISER, T0)
    found = {g.guild_id: g.disabled_topics for g in await store.guilds.configured()}
    assert found == {GUILD: frozenset({"cicd"}), other: frozenset({"iac", "ml"})}
