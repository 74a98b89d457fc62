"""Bad input, property-based (hypothesis, bounded to a few examples each so CI stays fast):
every slash-command option, every modal field and pack files. The bot never fails with an
unhandled exception (its generic apology) and every refusal is a message that fits Discord."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bank import Bank, parse_pack
from bot.sandbox.emulator.layouts import buttons
from tests.conftest import BACKENDS
from tests.drill.conftest import reply_to, text_of
from tests.ops.live import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    USER,
    LiveBot,
)  # fmt: skip
from tests.support import postgres

APOLOGY = "Something went wrong"
BOUNDED = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
# Hostile text: control characters, right-to-left marks, mentions, markdown, very long.
HOSTILE = st.one_of(
    st.text(min_size=0, max_size=50),
    st.sampled_from(["@everyone", "<@&1>", "**", "\u202e", "../../etc/passwd", "0", "-1",
                     "99:99", "Mars/Olympus", "25:61", "mon-", "9999999h", "' OR 1=1 --"]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=6000),
)  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bank: Bank
) -> Iterator[LiveBot]:
    """One live bot per backend for the module (PostgreSQL refuses what SQLite takes, e.g.
    a NUL character in text)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("bad-input") / "drill.sqlite3")
    else:
        url = postgres.create_database(request.getfixturevalue("pg_cluster"))
    bot = LiveBot(url, bank)
    try:
        yield bot
    finally:
        bot.close()


def option_value(live: LiveBot, spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """What a Discord client can send for one option (it enforces choices, lengths, ranges;
    an autocompleted option takes any text)."""
    kind = spec["type"]
    if spec.get("choices"):
        return st.sampled_from([c["value"] for c in spec["choices"]])
    if kind == STRING:
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        return HOSTILE.map(lambda s: s[:high]).filter(lambda s: len(s) >= low)
    if kind in (INTEGER, NUMBER):
        low, high = spec.get("min_value", -(2**53)), spec.get("max_value", 2**53)
        ints = st.integers(min_value=int(low), max_value=int(high))
        return ints if kind == INTEGER else st.floats(low, high, allow_nan=False)
    if kind == BOOLEAN:
        return st.booleans()
    if kind in (USER, MENTIONABLE):
        return st.sampled_from([live.owner.id, live.member.id])
    if kind == ROLE:
        return st.just(live.role.id)
    if kind == CHANNEL:
        return st.just(live.channel.id)
    if kind == ATTACHMENT:
        blobs = st.one_of(
            st.binary(max_size=2000),
            HOSTILE.map(lambda s: s.encode("utf-8", "surrogatepass")),
            st.sampled_from([b"pack: x\nversion: 1\nquestions: []\n", b"a: &a [*a]\n"]),
        )
        return st.tuples(st.sampled_from(["pack.yaml", "x.txt", "../.yaml"]), blobs)
    raise AssertionError(f"no strategy for option type {kind}")


def options_for(live: LiveBot, schema: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    required = {o["name"]: option_value(live, o) for o in schema if o.get("required")}
    optional = {o["name"]: option_value(live, o) for o in schema if not o.get("required")}
    return st.fixed_dictionaries(required, optional=optional)


def assert_clear(message: Any, what: str) -> str:
    text = text_of(message)
    assert APOLOGY not in text, f"{what}: unhandled exception ({text[:300]!r})"
    assert text.strip() or message.attachments, f"{what}: empty reply"
    assert len(message.content) <= 2000
    return text


COMMANDS = sorted(
    [
        "quiz", "review", "leaderboard", "stats", "away", "mock start", "mock history",
        "drill setup", "drill organisers", "drill pause", "drill resume", "drill post-now",
        "drill reveal-now", "drill status", "drill audit", "drill reports",
        "drill topics enable", "drill topics disable", "drill topics list",
        "drill question disable", "drill question enable", "drill pack import",
        "drill pack list", "drill pack remove", "drill season new", "drill week-start",
        "drill export", "drill pin", "drill ping", "plan start", "plan today", "plan stop",
        "privacy hide", "privacy show", "drill gaps", "drill digest", "board", "drill web on",
        "drill web off", "drill web rotate", "help", "about", "remind daily on",
        "remind daily off",
    ]
)  # fmt: skip


def test_the_list_covers_every_registered_command(live: LiveBot) -> None:
    registered = set(live.leaf_commands())
    # /privacy forget deletes the member's data; it takes no options and is tested elsewhere.
    assert registered - {"privacy forget"} <= set(COMMANDS)


def test_every_integer_option_is_bounded(live: LiveBot) -> None:
    unbounded = [
        f"/{command} {o['name']}"
        for command, schema in live.leaf_commands().items()
        for o in schema
        if o["type"] in (INTEGER, NUMBER) and ("min_value" not in o or "max_value" not in o)
    ]
    assert unbounded == []


def test_integers_a_client_should_not_send_get_a_clear_reply(live: LiveBot) -> None:
    """Discord's client keeps an integer within its bounds; a crafted interaction does not,
    so the core checks again (``/plan start weeks:2**62`` overflowed a date)."""
    for command, schema in live.leaf_commands().items():
        for option in schema:
            if option["type"] != INTEGER:
                continue
            low, high = option.get("min_value", 0), option.get("max_value", 0)
            for value in (2**62, -(2**62), low - 1, high + 1):

                async def one(
                    value: int = value, command: str = command, name: str = option["name"]
                ) -> Any:
                    options = {name: value}
                    inter = await live.owner.slash(command, options, channel_id=live.channel.id)
                    return await reply_to(inter, timeout=10)

                assert_clear(live.run(one()), f"/{command} {option['name']}:{value}")


@pytest.mark.parametrize("command", COMMANDS)
def test_any_options_get_a_clear_reply(live: LiveBot, command: str) -> None:
    schema = live.leaf_commands().get(command)
    if schema is None:
        pytest.skip(f"/{command} is not registered on this branch")

    @BOUNDED
    @given(options=options_for(live, schema), who=st.sampled_from(["owner", "member"]))
    def check(options: dict[str, Any], who: str) -> None:
        async def one() -> Any:
            member = live.owner if who == "owner" else live.member
            inter = await member.slash(command, options, channel_id=live.channel.id)
            return await reply_to(inter, timeout=10)

        assert_clear(live.run(one()), f"/{command} {options!r}")

    check()


def modal_values(modal: dict[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    fields = {}
    for row in modal.get("components", []):
        for item in row.get("components", []) or [row.get("component", {})]:
            if "custom_id" in item:
                low, high = item.get("min_length", 0), item.get("max_length", 4000)
                floor = max(low, 1 if item.get("required", True) else 0)
                fields[item["custom_id"]] = HOSTILE.map(lambda s, h=high: s[:h]).filter(
                    lambda s, f=floor: len(s) >= f
                )
    return st.fixed_dictionaries(fields)


@pytest.mark.parametrize("button", ["answer", "report"])
def test_any_modal_text_gets_a_clear_reply(live: LiveBot, button: str) -> None:
    prefix = "drill:quiz:answer:" if button == "answer" else "drill:report:"

    async def open_modal() -> Any:
        live.clock.advance(seconds=61)  # /quiz allows a few questions a minute
        inter = await live.member.slash("quiz", {"topic": "cicd"}, channel_id=live.channel.id)
        question = await reply_to(inter, timeout=10)
        ids = [
            c["custom_id"]
            for c in buttons(question.components)  # in rows or beside the prompt (V2)
            if c.get("custom_id", "").startswith(prefix)
        ]
        assert ids, (text_of(question), question.components)
        pressed = await live.member.click(question.channel_id, question.id, ids[0])
        await pressed.wait_response(10)
        assert pressed.modal is not None, pressed.response
        return pressed

    # The modal's fields are fixed: learn them once, then open a fresh one per example.
    fields = modal_values(live.run(open_modal()).modal)

    @BOUNDED
    @given(values=fields)
    def check(values: dict[str, str]) -> None:
        pressed = live.run(open_modal())

        async def submit() -> Any:
            inter = await live.member.submit_modal(pressed, values)
            return await reply_to(inter, timeout=10)

        assert_clear(live.run(submit()), f"{button} modal {values!r}")

    check()


# -- pack files ------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=12), kids, max_size=4)
    ),
    max_leaves=20,
)
PACK_KEYS = ["pack", "version", "topics", "questions", "retired"]
QUESTION_KEYS = ["id", "topic", "difficulty", "kind", "prompt", "testing", "key_points", "tags"]


def pack_like() -> st.SearchStrategy[str]:
    question = st.dictionaries(st.sampled_from(QUESTION_KEYS), TREES, max_size=8)
    document = st.fixed_dictionaries(
        {},
        optional={
            "pack": TREES,
            "version": TREES,
            "questions": st.lists(question, max_size=3),
            "topics": TREES,
        },
    )
    return st.one_of(
        document.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        st.text(max_size=2000),
        st.sampled_from(["a: &x [*x, *x]\n", "- - - -\n", "pack: [\n", "\t\x00", "---\n---\n"]),
    )


@settings(max_examples=60, deadline=None)
@given(text=pack_like())
def test_any_pack_file_gives_issues_with_positions_never_an_exception(text: str) -> None:
    pack, issues = parse_pack(text, "pack.yaml")
    assert pack is not None or issues, "refused without saying why"
    for issue in issues:
        assert issue.line >= 1 and issue.column >= 1
        assert str(issue).startswith("pack.yaml:") and len(str(issue)) < 1000


def test_cli_validate_of_garbage_is_one_line_per_problem(tmp_path: Path) -> None:
    from tests.ops.helpers import drillbot

    (tmp_path / "garbage.yaml").write_bytes(b"\xff\xfe\x00not yaml: [\n")
    result = drillbot("content", "validate", "garbage.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("garbage.yaml:")
