"""A question's notes, levels, worked solution and model answer laid out within Discord's limits:
split into fields, embeds and messages, never cut."""

from __future__ import annotations

import pytest

from bot.bank import Levels, Question, Solution
from cogs.notes_layout import (
    DESCRIPTION,
    FIELD_VALUE,
    bullet_fields,
    fields_embeds,
    fits,
    level_fields,
    messages,
    model_answer_embeds,
    solution_embeds,
    text_fields,
)


def biggest(**extra: object) -> Question:
    """Every field at the loader's limits."""
    return Question(
        "llmops-999", "llmops", "hard", "design", "p" * 1000, "t" * 600,
        tuple(f"{i}" + "k" * 199 for i in range(7)), tuple(f"{i}" + "f" * 199 for i in range(5)),
        red_flags=tuple(f"{i}" + "r" * 199 for i in range(4)),
        levels=Levels("s" * 300, "h" * 300, "n" * 300), model_answer=("m " * 1000).strip(),
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def everything(embeds: list) -> str:
    out = []
    for e in embeds:
        out.append(e.description or "")
        out.extend(f.value for f in e.fields)
    return "\n".join(out)


def test_seven_long_key_points_are_split_between_items_not_cut() -> None:
    items = [f"{i}" + "k" * 199 for i in range(7)]
    fields = bullet_fields("Key points", items)
    assert [name for name, _ in fields] == ["Key points", "Key points (continued)"]
    assert all(len(value) <= FIELD_VALUE for _, value in fields)
    assert "\n".join(value for _, value in fields) == "\n".join(f"• {i}" for i in items)


def test_a_long_text_continues_in_the_next_field() -> None:
    text = "word " * 500
    fields = text_fields("Notes", text.strip())
    assert len(fields) == 3 and all(len(v) <= FIELD_VALUE for _, v in fields)
    assert " ".join(v for _, v in fields) == text.strip()


def test_levels_come_as_three_named_fields_in_order() -> None:
    q = biggest()
    names = [name for name, _ in level_fields(q)]
    assert [n.split(":")[0] for n in names] == ["Strong hire", "Hire", "No hire"]
    assert level_fields(Question("a-1", "a", "easy", "technical", "p", "t", ("k",))) == []


def test_the_biggest_notes_split_into_embeds_and_messages_that_all_fit() -> None:
    q = biggest(solution=Solution("python", "x = 1\n" * 500, "n" * 600))
    fields = [
        *bullet_fields("Key points", q.key_points),
        *level_fields(q),
        *bullet_fields("Red flags", q.red_flags),
        *bullet_fields("Follow-ups", q.follow_ups),
    ]
    embeds = fields_embeds("What they're testing", q.testing, fields, colour=1)
    embeds += solution_embeds(q, colour=1) + model_answer_embeds(q)
    groups = messages(embeds)
    assert len(groups) >= 2
    assert all(fits(group) for group in groups)
    text = everything([e for group in groups for e in group])
    for part in (*q.key_points, *q.red_flags, *q.follow_ups, q.levels.strong, q.model_answer):
        assert part.strip() in text, part[:20]
    assert q.solution is not None and q.solution.notes in text
    assert "x = 1\n" * 10 in text


def test_a_solution_keeps_its_indentation_and_every_block_is_closed() -> None:
    code = "\n".join(f"def f{i}():\n    return {i}" for i in range(200))[:3000]
    q = biggest(solution=Solution("python", code, "Why so."))
    embeds = solution_embeds(q, colour=1)
    assert len(embeds) == 1  # 3,000 characters of code and 600 of notes fit one description
    description = embeds[0].description or ""
    assert len(description) <= DESCRIPTION and description.count("```") == 2
    assert "\n    return 1\n" in description and description.endswith("Why so.")


def test_a_fence_inside_the_code_cannot_break_out() -> None:
    q = biggest(solution=Solution("bash", "echo '```'\nls"))
    (embed,) = solution_embeds(q, colour=1)
    assert (embed.description or "").count("```") == 2


def test_a_code_block_longer_than_a_description_continues_closed() -> None:
    q = biggest(solution=Solution("python", "    y = 2\n" * 800))
    embeds = solution_embeds(q, colour=1)
    assert len(embeds) == 2
    for embed in embeds:
        assert (embed.description or "").count("```") == 2
        assert len(embed.description or "") <= DESCRIPTION
    assert embeds[1].title == "Worked solution (continued)"
    assert (embeds[1].description or "").startswith("```python\n    y = 2")


def test_the_model_answer_is_one_embed_with_a_note() -> None:
    (embed,) = model_answer_embeds(biggest())
    assert embed.title == "Model answer" and embed.description == ("m " * 1000).strip()
    assert embed.footer.text
    assert model_answer_embeds(Question("a-1", "a", "easy", "technical", "p", "t", ("k",))) == []


@pytest.mark.parametrize("count", [1, 10, 11, 25])
def test_messages_never_hold_more_than_ten_embeds(count: int) -> None:
    import discord

    embeds = [discord.Embed(title=str(i), description="d") for i in range(count)]
    groups = messages(embeds)
    assert [e for g in groups for e in g] == embeds
    assert all(len(g) <= 10 for g in groups)


def test_a_source_is_a_masked_link_that_brackets_cannot_break() -> None:
    from bot.bank import Source
    from cogs.notes_layout import source_fields

    q = biggest(sources=(Source("https://x.org/a_(b)", "Claim [with] brackets", "2026-12"),))
    ((name, value),) = source_fields(q)
    assert name == "Sources for its version-sensitive facts"
    assert value == "• [Claim (with) brackets](https://x.org/a_%28b%29) · checked 2026-12"
    assert source_fields(Question("a-1", "a", "easy", "technical", "p", "t", ("k",))) == []
