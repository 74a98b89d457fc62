"""/drill season new, /drill export and who may use them, through the real client."""

from __future__ import annotations

import csv
import io

from bot.storage import Store
from bot.storage.history import EXPORT_COLUMNS
from tests.conftest import BotFactory, World
from tests.daily.helpers import configure_world
from tests.leaderboard.helpers import attachment, reply_to, text_of
from tests.leaderboard.history import answer, at, day, post, reveal
from tests.support.sql import sql


async def test_a_new_season_starts_a_fresh_board_and_keeps_the_old_one(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben, owner = world["ana"], world["ben"], world.owner
    chan = world.channel.id
    await day(store, "2026-02-27", ana.id, guild=world.guild.id)
    async with start_bot():
        refused = await reply_to(
            await ana.slash("drill season new", {"name": "Mine"}, channel_id=chan)
        )
        assert "Only organisers" in refused.content
        huge = await reply_to(
            await owner.slash("drill season new", {"name": "S" * 5000}, channel_id=chan)
        )
        assert "at most 80 characters" in huge.content and "nothing was changed" in huge.content
        assert len(huge.content) < 200
        assert await store.boards.seasons(world.guild.id) == []
        made = await reply_to(
            await owner.slash("drill season new", {"name": "  Spring   2026 "}, channel_id=chan)
        )
        assert "Season 1 **Spring 2026** starts now" in made.content
        await day(store, "2026-03-01", ben.id, guild=world.guild.id)
        season = await reply_to(
            await ben.slash("leaderboard", {"period": "season"}, channel_id=chan)
        )
        text = text_of(season)
        assert "Season 1: Spring 2026" in text and "ben" in text and "ana ·" not in text
        before = text_of(
            await reply_to(
                await ben.slash("leaderboard", {"period": "season", "back": 1}, channel_id=chan)
            )
        )
        assert "Before seasons" in before and "**1.** ana" in before
        everything = text_of(
            await reply_to(await ben.slash("leaderboard", {"period": "all"}, channel_id=chan))
        )
        assert "ana" in everything and "ben" in everything  # nothing deleted
    audit = await store.db.fetchall(
        *sql("SELECT new_value FROM audit_log WHERE action = 'season.new'")
    )
    assert [r[0] for r in audit] == ["1: Spring 2026"]


async def test_export_is_a_csv_of_every_answer_and_point_event(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    p = await post(store, "2026-02-27", guild=world.guild.id)
    await answer(store, p, ana.id, '=HYPERLINK("http://evil") but also a real answer, long')
    await answer(store, p, ben.id, "+1", minute=5)
    await reveal(store, p)
    async with start_bot():
        denied = await reply_to(await ana.slash("drill export", channel_id=world.channel.id))
        assert "Only organisers" in denied.content and not denied.attachments
        msg = await reply_to(await world.owner.slash("drill export", channel_id=world.channel.id))
        assert msg.content.startswith("4 event(s).")
        filename, data = attachment(world.emu, msg)
    assert filename == f"drillbot-{world.guild.id}-2026-03-02.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    events = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [e["event"] for e in events] == ["answer", "answer", "points", "points"]
    first = events[0]
    assert first["user_id"] == str(ana.id) and first["local_date"] == "2026-02-27"
    assert first["content"].startswith("'=HYPERLINK")  # a formula stays text
    assert first["at"].endswith("+00:00") and "T" in first["at"]
    assert events[1]["content"] == "'+1"
    awarded = {(e["user_id"], e["reason"], e["points"]) for e in events[2:]}
    assert awarded == {(str(ana.id), "answer", "10"), (str(ana.id), "first", "3")}


async def test_export_leaves_hidden_members_out_unless_a_raw_audit_with_a_reason(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    p = await post(store, "2026-02-27", guild=world.guild.id)
    await answer(store, p, ana.id, "Ana's answer, long enough to count as an answer.")
    await answer(store, p, ben.id, "Ben's answer; he hid himself from the boards since.")
    await store.boards.set_hidden(world.guild.id, ben.id, True, at("2026-02-28"))
    chan = world.channel.id
    async with start_bot():
        plain = await reply_to(await world.owner.slash("drill export", channel_id=chan))
        _, data = attachment(world.emu, plain)
        assert str(ben.id) not in data.decode() and str(ana.id) in data.decode()
        raw = await reply_to(
            await world.owner.slash(
                "drill export", {"raw_reason": "member asked for their data"}, channel_id=chan
            )
        )
        assert "Raw audit" in raw.content
        _, data = attachment(world.emu, raw)
        assert str(ben.id) in data.decode()
        later = await reply_to(
            await world.owner.slash("drill export", {"since": "2030-01-01"}, channel_id=chan)
        )
        assert later.content.startswith("0 event(s).")
        bad = await reply_to(
            await world.owner.slash("drill export", {"since": "soon"}, channel_id=chan)
        )
        assert "YYYY-MM-DD" in bad.content and not bad.attachments
    audit = await store.db.fetchall(
        *sql("SELECT user_id, new_value FROM audit_log WHERE action = 'export.raw'", ())
    )
    assert [tuple(r) for r in audit] == [(world.owner.id, "member asked for their data")]
