"""Write transactions behave alike on both backends: one at a time, even from two stores on one
database (two processes), and a read inside one sees that transaction's own writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage import Store, open_store
from tests.support.sql import sql

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GUILD = 41
OLGA, ANA = 7, 8


async def test_two_stores_setting_up_one_guild_at_once_audit_one_first_organiser(
    store: Store, store_url: str
) -> None:
    # READ COMMITTED let both transactions read "no configured_by yet" and both audit it.
    other = await open_store(store_url)
    try:
        for guild in range(GUILD, GUILD + 10):
            await asyncio.gather(
                store.guilds.update(guild, OLGA, T0, configured_by=OLGA, post_time="10:30"),
                other.guilds.update(guild, ANA, T0, configured_by=ANA, post_time="10:30"),
            )
            actions = [e.action for e in await store.guilds.recent_audit(guild)]
            assert actions.count("set configured_by") == 1, (guild, actions)
            assert actions.count("set post_time") == 1, (guild, actions)
            saved = await other.guilds.get(guild)
            assert saved is not None and saved.configured_by in (OLGA, ANA)
    finally:
        await other.close()


async def test_read_then_write_from_two_stores_loses_no_increment(
    store: Store, store_url: str
) -> None:
    other = await open_store(store_url)
    try:
        await store.guilds.update(GUILD, OLGA, T0, post_time="09:00")

        async def bump(on: Store) -> None:
            # A read-decide-write names its guild's lock: the two stores take turns.
            async with on.db.transaction(("guild", GUILD)) as conn:
                row = (
                    await conn.execute(
                        *sql(
                            "SELECT reveal_after_minutes FROM guild_settings WHERE guild_id = ?",
                            (GUILD,),
                        ),
                    )
                ).fetchone()
                await asyncio.sleep(0)  # the other one gets every chance to read now
                await conn.execute(
                    *sql(
                        "UPDATE guild_settings SET reveal_after_minutes = ? WHERE guild_id = ?",
                        (int(row[0]) + 1, GUILD),
                    ),
                )

        before = (await store.guilds.get_or_default(GUILD)).reveal_after_minutes
        await asyncio.gather(*(bump(s) for _ in range(5) for s in (store, other)))
        after = await other.guilds.get_or_default(GUILD)
        assert after.reveal_after_minutes == before + 10
    finally:
        await other.close()


async def test_a_read_inside_a_transaction_sees_its_own_writes(store: Store) -> None:
    async with store.db.transaction() as conn:
        await conn.execute(
            *sql(
                "INSERT INTO guild_settings (guild_id, created_at, updated_at) VALUES (?, ?, ?)",
                (GUILD, T0.isoformat(), T0.isoformat()),
            ),
        )
        inside = await store.guilds.get(GUILD)  # through the store, not through conn
        assert inside is not None and inside.guild_id == GUILD
    assert await store.guilds.get(GUILD) == inside


async def test_a_failed_transaction_leaves_nothing_and_the_store_keeps_working(
    store: Store,
) -> None:
    try:
        async with store.db.transaction() as conn:
            await conn.execute(
                *sql(
                    "INSERT INTO guild_settings (guild_id, created_at, updated_at)"
                    " VALUES (?, ?, ?)",
                    (GUILD, T0.isoformat(), T0.isoformat()),
                ),
            )
            raise RuntimeError("the caller gave up half-way")
    except RuntimeError:
        pass
    assert await store.guilds.get(GUILD) is None
    await store.guilds.update(GUILD, OLGA, T0, post_time="10:00")
    saved = await store.guilds.get(GUILD)
    assert saved is not None and saved.post_time == "10:00"


async def test_text_with_nul_characters_is_stored_alike_on_both_backends(store: Store) -> None:
    # PostgreSQL's text cannot hold NUL (it refused a member's modal answer with one): on
    # both backends each NUL becomes U+FFFD, and nothing else in the text changes.
    hostile = "a\x00b\x00\x00" + "é" * 3
    await store.guilds.audit(GUILD, OLGA, "set note", hostile, None, T0)
    [stored] = await store.guilds.recent_audit(GUILD)
    assert stored.old_value == "a\ufffdb\ufffd\ufffdééé" and stored.new_value is None
    # A lookup by such text finds what was stored (reads clean their parameters too).
    rows = await store.db.fetchall(
        *sql("SELECT COUNT(*) FROM audit_log WHERE old_value = ?", (hostile,))
    )
    assert rows[0][0] == 1


async def test_reports_filed_in_one_instant_order_alike_on_both_backends(store: Store) -> None:
    # Equal timestamps (one clock tick, or the tests' frozen clock): the newest report's
    # detail and the question order must not depend on how a backend breaks ties.
    for n, (question, detail) in enumerate(
        [("q-b", "first"), ("q-a", "second"), ("q-b", "third"), ("q-a", "fourth")]
    ):
        await store.practice.report(
            guild_id=GUILD, user_id=100 + n, question_id=question, question_version="1",
            reason="wrong", detail=detail, now=T0,
        )  # fmt: skip
    summary = await store.practice.report_summary(GUILD)
    assert [(s.question_id, s.count) for s in summary] == [("q-a", 2), ("q-b", 2)]
    assert {s.question_id: s.latest_detail for s in summary} == {"q-a": "fourth", "q-b": "third"}


async def test_due_reveals_come_in_one_order_on_both_backends(store: Store) -> None:
    # Equal reveal times (guilds with the same deadline) come in the order of the posts on
    # both backends, however each breaks ties; a reveal-now's claim moves its time to now.
    async def posted(guild: int, reveal_at: datetime) -> int:
        post, _ = await store.daily.claim(
            guild_id=guild, local_date="2026-03-02", question_id="q", topic="t",
            channel_id=guild, nonce=f"n{guild}", scheduled_for=T0 - timedelta(hours=2),
            reveal_at=reveal_at, now=T0 - timedelta(hours=2),
        )  # fmt: skip
        await store.daily.mark_posted(post.id, guild * 10, None, T0 - timedelta(hours=2))
        return post.id

    early, late = T0 - timedelta(hours=1), T0 + timedelta(hours=5)
    claimed = await posted(GUILD + 9, late)
    ids = [await posted(GUILD + n, early) for n in (5, 1, 7, 3)]
    assert await store.daily.claim_reveal(claimed, "run-1", T0) is not None
    due = await store.daily.due_reveals(T0)
    assert [p.id for p in due] == [*ids, claimed]
