"""bot/organiser/service.py without Discord: a real store on SQLite, the shipped bank, a fake
clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bank import MAX_PACK_BYTES, Bank
from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.organiser.service import (
    REQUIRED_PERMISSIONS,
    Organiser,
    PackRejected,
    may_organise,
    missing_permissions,
)
from bot.storage import NewAnswer, Store
from tests.conftest import START
from tests.drill.packs import BAD_PACK, GOOD_PACK, SYNTAX_PACK

GUILD, OTHER, OLGA, ANA = 1001, 2002, 11, 12
ALL_GRANTED = [name for name, _ in REQUIRED_PERMISSIONS]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    async def __call__(self, guild_id: int) -> None:
        self.calls.append(guild_id)


@pytest.fixture
def rescheduled() -> Recorder:
    return Recorder()


@pytest.fixture
def organiser(store: Store, bank: Bank, clock: FakeClock, rescheduled: Recorder) -> Organiser:
    return Organiser(store, Catalog(bank, store), clock, None, rescheduled)


async def set_up(organiser: Organiser, **extra: str) -> None:
    await organiser.setup(
        GUILD, OLGA, channel_id=500, time="09:00", timezone="Europe/Berlin", **extra
    )


# -- who may organise -------------------------------------------------------------------------
def test_manage_server_may_organise_without_any_role() -> None:
    assert may_organise(True, [], None)


def test_the_organiser_role_is_enough_without_manage_server() -> None:
    assert may_organise(False, [7, 42], 42)


def test_others_may_not_organise() -> None:
    assert not may_organise(False, [7], 42)
    assert not may_organise(False, [7], None)


def test_missing_permissions_are_named_in_discord_terms() -> None:
    granted = set(ALL_GRANTED) - {"embed_links", "manage_threads"}
    assert missing_permissions(granted) == ("Embed Links", "Manage Threads")
    assert missing_permissions(ALL_GRANTED) == ()


async def test_can_organise_reads_the_guilds_role(organiser: Organiser, store: Store) -> None:
    assert not await organiser.can_organise(GUILD, False, [42])
    await organiser.set_organiser_role(GUILD, OLGA, 42)
    assert await organiser.can_organise(GUILD, False, [42])
    assert not await organiser.can_organise(OTHER, False, [42])


# -- setup ------------------------------------------------------------------------------------
async def test_setup_saves_reschedules_and_gives_the_next_post(
    organiser: Organiser, store: Store, rescheduled: Recorder
) -> None:
    result = await organiser.setup(
        GUILD,
        OLGA,
        channel_id=500,
        time="9:30",
        timezone="europe/berlin",
        weekdays="mon-fri",
        reveal="2h",
        granted=ALL_GRANTED,
    )
    saved = await store.guilds.get(GUILD)
    assert saved is not None and saved.post_time == "09:30" and saved.timezone == "Europe/Berlin"
    assert saved.weekdays == frozenset(range(5)) and saved.reveal_after_minutes == 120
    assert saved.configured_by == OLGA
    # Monday 06:00 UTC is 07:00 in Berlin: today's 09:30 is still ahead (08:30 UTC).
    assert result.next_post == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert result.missing == ()
    assert rescheduled.calls == [GUILD]
    assert {e.action for e in result.changes} >= {"set channel_id", "set post_time"}


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"time": "25:00"}, "not a time"),
        ({"time": "nine"}, "not a time"),
        ({"timezone": "Europe/Berln"}, "Europe/Berlin"),
        ({"timezone": "Mars/Olympus"}, "not an IANA timezone"),
        ({"weekdays": "mon,funday"}, "not a weekday"),
        ({"weekdays": " "}, "at least one weekday"),
        ({"reveal": "soon"}, "not a reveal delay"),
    ],
)
async def test_bad_setup_input_is_refused_and_nothing_is_saved(
    organiser: Organiser, store: Store, rescheduled: Recorder, options: dict[str, str], says: str
) -> None:
    args = {"time": "09:00", "timezone": "UTC", **options}
    with pytest.raises(DrillError, match=says):
        await organiser.setup(GUILD, OLGA, channel_id=500, **args)
    assert await store.guilds.get(GUILD) is None
    assert await store.guilds.recent_audit(GUILD) == []
    assert rescheduled.calls == []


async def test_setup_saves_but_lists_missing_permissions(
    organiser: Organiser, store: Store
) -> None:
    granted = ["view_channel", "send_messages", "read_message_history"]
    result = await organiser.setup(
        GUILD, OLGA, channel_id=500, time="09:00", timezone="UTC", granted=granted
    )
    assert result.missing == (
        "Embed Links",
        "Create Public Threads",
        "Manage Threads",
        "Send Messages in Threads",
    )
    assert (await store.guilds.get_or_default(GUILD)).channel_id == 500


async def test_pause_and_resume_are_audited_once(organiser: Organiser, store: Store) -> None:
    with pytest.raises(DrillError, match="not set up"):
        await organiser.set_paused(GUILD, OLGA, True)
    await set_up(organiser)
    assert await organiser.set_paused(GUILD, OLGA, True)
    assert not await organiser.set_paused(GUILD, OLGA, True)
    assert await organiser.set_paused(GUILD, OLGA, False)
    paused = [e for e in await organiser.audit(GUILD) if e.action == "set paused"]
    assert [(e.old_value, e.new_value) for e in paused] == [("True", "False"), ("False", "True")]


# -- status -----------------------------------------------------------------------------------
async def test_status_lists_five_posts_on_weekdays_in_local_time(
    organiser: Organiser, clock: FakeClock
) -> None:
    await set_up(organiser, weekdays="mon,wed,fri", reveal="23h")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # Monday 10:00 Berlin: past today's post
    status = await organiser.status(GUILD, lambda _channel: ALL_GRANTED)
    # Wed, Fri, Mon, Wed, Fri at 09:00 Berlin; Europe moves to summer time on 29 March.
    assert [p.isoformat() for p in status.next_posts] == [
        "2026-03-04T08:00:00+00:00",
        "2026-03-06T08:00:00+00:00",
        "2026-03-09T08:00:00+00:00",
        "2026-03-11T08:00:00+00:00",
        "2026-03-13T08:00:00+00:00",
    ]
    assert status.today.state == "due"
    assert status.next_reveal == datetime(2026, 3, 5, 7, 0, tzinfo=UTC)
    assert status.missing == ()


async def test_status_shows_todays_post_and_its_answers(organiser: Organiser, store: Store) -> None:
    await set_up(organiser)
    post, _ = await store.daily.claim(
        guild_id=GUILD,
        local_date="2026-03-02",
        question_id="cicd-001",
        topic="cicd",
        channel_id=500,
        nonce="n",
        scheduled_for=START,
        reveal_at=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        now=START,
    )
    await store.daily.mark_posted(post.id, 900, 901, START)
    await store.answers.record(
        [NewAnswer(post.id, GUILD, uid, 1000 + uid, 901, "an answer", START) for uid in (1, 2)]
    )
    status = await organiser.status(GUILD)
    assert status.today.state == "posted" and status.today.question_id == "cicd-001"
    assert (status.today.answers, status.today.members) == (2, 2)
    assert status.next_reveal == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    cicd = next(c for c in status.coverage if c.slug == "cicd")
    assert (cicd.used, cicd.left) == (1, cicd.total - 1)


async def test_status_before_setup_has_no_schedule(organiser: Organiser) -> None:
    status = await organiser.status(GUILD)
    assert status.next_posts == () and status.today.state == "not-configured"


# -- topics and questions ---------------------------------------------------------------------
async def test_topics_are_disabled_by_alias_and_counted(organiser: Organiser, bank: Bank) -> None:
    topic, changed = await organiser.set_topic(GUILD, OLGA, "k8s", False)
    assert topic.slug == "containers" and changed
    _, again = await organiser.set_topic(GUILD, OLGA, "containers", False)
    assert not again
    coverage = {c.slug: c for c in await organiser.coverage(GUILD)}
    assert not coverage["containers"].enabled and coverage["cicd"].enabled
    assert coverage["containers"].left == len(bank.by_topic("containers"))


async def test_unknown_topic_suggests_close_ones(organiser: Organiser) -> None:
    with pytest.raises(DrillError, match="Did you mean `monitoring`"):
        await organiser.set_topic(GUILD, OLGA, "zzzz drift", False)


async def test_disabling_a_question_removes_it_from_the_counts(organiser: Organiser) -> None:
    before = {c.slug: c.total for c in await organiser.coverage(GUILD)}
    assert await organiser.set_question(GUILD, OLGA, "CICD-001", False)
    after = {c.slug: c.total for c in await organiser.coverage(GUILD)}
    assert after["cicd"] == before["cicd"] - 1
    with pytest.raises(DrillError, match=r"No question has the id 'cicd-01'\. Did you mean"):
        await organiser.set_question(GUILD, OLGA, "cicd-01", False)
    assert await organiser.set_question(GUILD, OLGA, "cicd-001", True)


async def test_reports_come_newest_first_with_counts(organiser: Organiser, store: Store) -> None:
    for qid, minutes in (("cicd-001", 1), ("cicd-001", 2), ("ml-001", 3)):
        await store.practice.report(
            guild_id=GUILD,
            user_id=ANA,
            question_id=qid,
            question_version="1",
            reason="wrong",
            detail="",
            now=START.replace(minute=minutes),
        )
    await organiser.set_question(GUILD, OLGA, "cicd-001", False)
    lines = await organiser.reports(GUILD)
    assert [(line.summary.question_id, line.summary.count) for line in lines] == [
        ("ml-001", 1),
        ("cicd-001", 2),
    ]
    assert lines[1].disabled and not lines[0].disabled and lines[1].topic_name


# -- packs ------------------------------------------------------------------------------------
async def test_pack_import_is_stored_for_that_guild_only(
    organiser: Organiser, store: Store
) -> None:
    result = await organiser.import_pack(GUILD, OLGA, "team.yaml", GOOD_PACK.encode())
    assert result.pack.name == "team-extra" and result.pack.questions == 2
    assert result.topics == ("onboarding",) and result.replaced is None
    mine = await organiser.catalog.for_guild(GUILD)
    theirs = await organiser.catalog.for_guild(OTHER)
    assert "onboarding-001" in mine.questions and "onboarding" in mine.topics
    assert "onboarding-001" not in theirs.questions and "onboarding" not in theirs.topics
    again = await organiser.import_pack(GUILD, OLGA, "team.yaml", GOOD_PACK.encode())
    assert again.replaced is not None
    audit = await organiser.audit(GUILD)
    assert audit[0].action == "pack team-extra" and audit[0].old_value == "v1 (2 questions)"


async def test_malformed_pack_reports_lines_and_stores_nothing(
    organiser: Organiser, store: Store
) -> None:
    with pytest.raises(PackRejected) as caught:
        await organiser.import_pack(GUILD, OLGA, "broken.yaml", BAD_PACK.encode())
    assert "broken.yaml:7:" in str(caught.value) and "testing" in str(caught.value)
    with pytest.raises(PackRejected, match=r"syntax\.yaml:6:"):
        await organiser.import_pack(GUILD, OLGA, "syntax.yaml", SYNTAX_PACK.encode())
    assert await store.guilds.packs(GUILD) == []
    assert await store.guilds.recent_audit(GUILD) == []


async def test_rejection_fits_one_discord_message() -> None:
    from bot.bank import PackIssue

    issues = [PackIssue("big.yaml", n, 1, "x" * 120) for n in range(1, 200)]
    text = str(PackRejected(issues))
    assert len(text) <= 2000 and "more" in text and "199 problems" in text


async def test_oversized_and_binary_packs_are_refused(organiser: Organiser, store: Store) -> None:
    with pytest.raises(DrillError, match="at most 256 KiB"):
        await organiser.import_pack(GUILD, OLGA, "big.yaml", b"#" * (MAX_PACK_BYTES + 1))
    with pytest.raises(DrillError, match="UTF-8"):
        await organiser.import_pack(GUILD, OLGA, "pack.yaml", b"\xff\xfe\x00")
    assert await store.guilds.packs(GUILD) == []


async def test_a_guild_pack_may_not_reuse_a_shipped_id(organiser: Organiser) -> None:
    clash = GOOD_PACK.replace("onboarding-002", "cicd-001")
    with pytest.raises(PackRejected, match="already used"):
        await organiser.import_pack(GUILD, OLGA, "team.yaml", clash.encode())


async def test_removing_a_pack_hides_its_questions(organiser: Organiser) -> None:
    await organiser.import_pack(GUILD, OLGA, "team.yaml", GOOD_PACK.encode())
    removed = await organiser.remove_pack(GUILD, OLGA, "team-extra")
    assert removed.questions == 2
    assert "onboarding-001" not in (await organiser.catalog.for_guild(GUILD)).questions
    with pytest.raises(DrillError, match="no pack named"):
        await organiser.remove_pack(GUILD, OLGA, "team-extra")


# -- at the same time ---------------------------------------------------------------------------
async def test_two_setups_at_once_keep_one_first_organiser(
    organiser: Organiser, store: Store
) -> None:
    import asyncio

    await asyncio.gather(
        organiser.setup(GUILD, OLGA, channel_id=500, time="10:30", timezone="Europe/Berlin"),
        organiser.setup(GUILD, ANA, channel_id=500, time="10:30", timezone="Europe/Berlin"),
    )
    saved = await store.guilds.get(GUILD)
    assert saved is not None and saved.configured_by in (OLGA, ANA)
    actions = [e.action for e in await store.guilds.recent_audit(GUILD)]
    assert actions.count("set configured_by") == 1 and actions.count("set post_time") == 1


async def test_stored_packs_that_clash_leave_the_guild_its_bank(
    organiser: Organiser, store: Store
) -> None:
    from bot.storage import GuildPack

    clash = GOOD_PACK.replace("pack: team-extra", "pack: team-zz").replace(
        "slug: onboarding\n    name: Team onboarding\n    aliases: [onboard]",
        "slug: other\n    name: Other",
    )
    for name, body in (("team-extra", GOOD_PACK), ("team-zz", clash)):
        await store.guilds.save_pack(GuildPack(GUILD, name, "1", body, 2, OLGA, START))
    bank = await organiser.catalog.for_guild(GUILD)
    assert "onboarding-001" in bank.questions and "cicd-001" in bank.questions
    assert "other" not in bank.topics  # the second pack repeats ids: left out, not fatal


async def test_a_pack_check_past_its_time_cap_is_refused_and_nothing_stored(
    store: Store, bank: Bank, clock: FakeClock, rescheduled: Recorder
) -> None:
    capped = Catalog(bank, store, parse_seconds=0.0)
    organiser = Organiser(store, capped, clock, None, rescheduled)
    with pytest.raises(
        PackRejected, match=r"team\.yaml:1:1: checking the pack took longer than 0 s"
    ):
        await organiser.import_pack(GUILD, OLGA, "team.yaml", GOOD_PACK.encode())
    assert await store.guilds.packs(GUILD) == []


async def test_an_alias_bomb_stored_before_the_fix_is_skipped_on_rebuild(
    organiser: Organiser, store: Store, bank: Bank
) -> None:
    from bot.storage import GuildPack
    from tests.support.hostile_packs import alias_bomb

    await store.guilds.save_pack(GuildPack(GUILD, "bomb", "1", alias_bomb(), 1, OLGA, START))
    await store.guilds.save_pack(GuildPack(GUILD, "team-extra", "1", GOOD_PACK, 2, OLGA, START))
    rebuilt = await organiser.catalog.for_guild(GUILD)
    assert set(rebuilt.questions) == set(bank.questions) | {"onboarding-001", "onboarding-002"}
