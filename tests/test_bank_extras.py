"""The second edition: red flags, rounds, signals, reviewed, worked solutions, retired ids."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from bot.bank import Bank, PackError, Question, Solution, load_bank, parse_pack
from bot.bank.checks import position, solution_findings, solution_problem, stale_findings
from bot.bank.overlap import pairs
from bot.bank.stats import stats_table

TOPIC = """\
pack: extras
version: 1
topics:
  - slug: llmops
    name: LLMOps
questions:
"""


def question(qid: str = "llmops-001", **extra: str) -> str:
    """One question item of the pack's list; each keyword adds a block of fields to it."""
    fields = [
        f"id: {qid}",
        "topic: llmops",
        "difficulty: medium",
        "kind: coding",
        "prompt: Write it.",
        "testing: Whether they can.",
        "key_points: [one, two, three]",
    ]
    body = "  - " + "\n    ".join(fields) + "\n"
    for block in extra.values():
        body += textwrap.indent(textwrap.dedent(block), "    ")
    return body


def parse(text: str) -> tuple[object, list[str]]:
    pack, issues = parse_pack(text, "p.yaml")
    return pack, [str(i) for i in issues]


def test_every_new_field_is_read() -> None:
    text = TOPIC + question(
        a="""\
        red_flags: [Guesses a number, Ignores the KV cache]
        rounds: [system-design, coding]
        signals: [cost, infrastructure]
        reviewed: "2026-11"
        solution:
          language: python
          code: |
            def f(x):
                return x + 1
          notes: Indentation is kept.
        """
    )
    pack, issues = parse_pack(text, "p.yaml")
    assert issues == []
    assert pack is not None
    (q,) = pack.questions
    assert q.red_flags == ("Guesses a number", "Ignores the KV cache")
    assert q.rounds == ("system-design", "coding")
    assert q.signals == ("cost", "infrastructure")
    assert q.reviewed == "2026-11"
    assert q.solution == Solution("python", "def f(x):\n    return x + 1", "Indentation is kept.")


def test_the_new_fields_are_optional_for_an_organisers_pack() -> None:
    pack, issues = parse(TOPIC + question())
    assert issues == []
    q = pack.questions[0]  # type: ignore[attr-defined]
    assert (q.red_flags, q.rounds, q.signals, q.reviewed, q.solution) == ((), (), (), "", None)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("red_flags: [only one]\n", "p.yaml:14:16: question 'llmops-001': red_flags must"),
        ("red_flags: [a, b, c, d, e]\n", "red_flags must have 2 to 4 items (got 5)"),
        ("red_flags: [yes, b]\n", "red_flags[0] must be text (got 'yes', which YAML reads as bool"),
        ("rounds: [lunch]\n", "rounds must be from phone-screen, coding, system-design"),
        ("rounds: []\n", "rounds must not be empty"),
        ("signals: [cost, cost]\n", "signals lists a value twice"),
        ("signals: cost\n", "signals must be a list"),
        ("reviewed: 2026-13\n", "reviewed must be YYYY-MM (got '2026-13')"),
        ("reviewed: 2026-11-01\n", "reviewed must be text (got '2026-11-01'"),
        ("solution: print(1)\n", "solution must be a mapping"),
        ("solution: {language: cobol, code: x}\n", "language must be one of python, yaml"),
        ("solution: {language: python}\n", "solution: missing field 'code'"),
        ("solution: {language: python, code: x, run: true}\n", "solution: unknown field 'run'"),
        (f"solution: {{language: text, code: {'x' * 3001}}}\n", "code is 3001 characters"),
    ],
)  # fmt: skip
def test_a_bad_new_field_names_file_line_and_what_is_wrong(block: str, message: str) -> None:
    pack, issues = parse(TOPIC + question(a=block))
    assert pack is not None
    assert pack.questions == ()  # type: ignore[attr-defined]
    assert any(message in issue for issue in issues), issues
    assert all(issue.startswith("p.yaml:") for issue in issues)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


RETIRING = (
    TOPIC
    + question("llmops-001")
    + question("llmops-003")
    + textwrap.dedent(
        """\
    retired:
      - id: llmops-002
        replaced_by: llmops-003
      - id: llmops-000
        replaced_by: llmops-002
    """
    )
)


def test_history_that_points_at_a_retired_id_still_reads(tmp_path: Path) -> None:
    bank = load_bank([write(tmp_path, "a.yaml", RETIRING)])
    assert "llmops-002" not in bank.questions
    assert bank.lookup("llmops-002") is bank.questions["llmops-003"]
    assert bank.lookup("llmops-000") is bank.questions["llmops-003"]  # a chain of merges
    assert bank.lookup("llmops-001") is bank.questions["llmops-001"]
    assert bank.lookup("nope") is None


def test_a_retired_id_cannot_be_given_to_a_new_question(tmp_path: Path) -> None:
    text = RETIRING.replace("- id: llmops-003\n", "- id: llmops-002\n", 1)
    with pytest.raises(PackError) as caught:
        load_bank([write(tmp_path, "a.yaml", text)])
    assert any("retired 'llmops-002': the id is still used" in str(i) for i in caught.value.issues)


def test_a_retired_id_must_lead_to_a_question(tmp_path: Path) -> None:
    text = RETIRING.replace("replaced_by: llmops-003", "replaced_by: llmops-404")
    with pytest.raises(PackError) as caught:
        load_bank([write(tmp_path, "a.yaml", text)])
    messages = [str(i) for i in caught.value.issues]
    assert any("replaced_by 'llmops-404' is no question" in m for m in messages), messages


def test_a_retired_cycle_is_refused_not_looped(tmp_path: Path) -> None:
    text = TOPIC + question() + "retired:\n  - {id: a-1, replaced_by: b-1}\n"
    text += "  - {id: b-1, replaced_by: a-1}\n"
    with pytest.raises(PackError):
        load_bank([write(tmp_path, "a.yaml", text)])


def solved(language: str, code: str) -> str:
    block = f"solution:\n  language: {language}\n  code: |\n"
    block += textwrap.indent(code, "    ")
    return TOPIC + question(a=block)


@pytest.mark.parametrize(
    ("language", "code", "problem"),
    [
        ("python", "def f(:\n    pass\n", "solution (python) does not compile: line 1"),
        ("yaml", "a: [1, 2\n", "solution (yaml) does not parse"),
        ("json", '{"a": 1,}\n', "solution (json) does not parse"),
        ("sql", "SELECT * FROM missing;\n", "solution (sql) does not run on SQLite: no such table"),
    ],
)
def test_a_solution_that_does_not_parse_or_run_is_found(
    tmp_path: Path, language: str, code: str, problem: str
) -> None:
    bank = load_bank([write(tmp_path, "a.yaml", solved(language, code))])
    (finding,) = solution_findings(bank.questions.values())
    assert finding.question_id == "llmops-001"
    assert problem in finding.message
    assert position(bank, "llmops-001") == f"{tmp_path / 'a.yaml'}:7:5"


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "import json\nprint(json.dumps({}))\n"),
        ("yaml", "apiVersion: v1\nkind: Pod\n---\nkind: Service\n"),
        ("json", '{"a": [1, 2]}\n'),
        ("sql", "CREATE TABLE t (x INT);\nINSERT INTO t VALUES (1);\nSELECT SUM(x) FROM t;\n"),
        ("dockerfile", "FROM python:3.12-slim\nUSER 10001\n"),
    ],
)
def test_a_good_solution_passes(tmp_path: Path, language: str, code: str) -> None:
    bank = load_bank([write(tmp_path, "a.yaml", solved(language, code))])
    q = bank.questions["llmops-001"]
    assert q.solution is not None
    assert q.solution.code == code.rstrip()
    assert solution_problem(q) is None


def test_facts_older_than_a_year_are_flagged(tmp_path: Path) -> None:
    text = TOPIC + question("llmops-001", a='reviewed: "2025-11"\n')
    text += question("llmops-002", a='reviewed: "2025-12"\n')
    text += question("llmops-003", a='reviewed: "2027-01"\n')
    bank = load_bank([write(tmp_path, "a.yaml", text)])
    found = {
        f.question_id: f.message for f in stale_findings(bank.questions.values(), date(2026, 12, 1))
    }
    assert found == {
        "llmops-001": "facts last reviewed 2025-11, 13 months ago",
        "llmops-003": "reviewed 2027-01 is in the future",
    }


def test_stats_count_rounds_signals_and_solutions(tmp_path: Path) -> None:
    text = TOPIC + question("llmops-001", a="rounds: [coding, system-design]\nsignals: [cost]\n")
    text += question(
        "llmops-002", a="rounds: [coding]\n", b="solution: {language: text, code: x}\n"
    )
    bank: Bank = load_bank([write(tmp_path, "a.yaml", text)])
    lines = stats_table(bank).splitlines()
    first = lines.index("Questions per topic")
    header, row = lines[first + 1], lines[first + 3]
    cells = dict(zip(header.split()[2:], row.split()[2:], strict=True))
    assert cells == {
        "easy": "0", "medium": "2", "hard": "0", "total": "2", "levels": "0", "answer": "0",
        "solved": "1", "sourced": "0", "retired": "0",
    }  # fmt: skip
    second = lines.index("Interview rounds and signals per topic")
    header, row, total = lines[second + 1], lines[second + 3], lines[second + 5]
    cells = dict(zip(header.split()[1:], row.split()[1:], strict=True))
    assert cells == {
        "phone": "0", "code": "2", "sysdes": "1", "mldeep": "0", "behav": "0",
        "prod": "0", "infra": "0", "mlops": "0", "auto": "0", "cost": "1",
    }  # fmt: skip
    assert total.split()[0] == "all"


def make(qid: str, topic: str, points: tuple[str, ...], prompt: str = "Explain it.") -> Question:
    return Question(qid, topic, "easy", "technical", prompt, "Whether.", points)


def test_the_same_question_in_other_words_is_caught_across_topics() -> None:
    shared = (
        "Pin the base image by digest and rebuild it weekly",
        "Scan the image for CVEs in CI and fail on critical ones",
        "Run as a non-root user with a read-only root filesystem",
    )
    reworded = (
        "Rebuild weekly from a base image pinned by digest",
        "CI scans the image for CVEs and fails on critical ones",
        "A non-root user and a read-only root filesystem at run time",
    )
    distinct = (
        "Shadow traffic compares the new model without serving its answers",
        "A canary shifts a small share of users and watches business metrics",
        "Roll back by moving the registry alias, not by redeploying",
    )
    found = {
        (p.first, p.second): p.too_close
        for p in pairs(
            [
                make("a-1", "containers", shared),
                make("b-1", "security", reworded),
                make("c-1", "serving", distinct),
                make("a-2", "containers", reworded),  # same topic: the prompt test covers it
            ]
        )
    }
    assert found[("a-1", "b-1")] is True
    assert found[("a-1", "c-1")] is False
    assert found[("b-1", "c-1")] is False
    assert ("a-1", "a-2") not in found
    close = pairs([make("a-1", "containers", shared), make("b-1", "security", reworded),
                   make("c-1", "serving", distinct)], close_only=True)  # fmt: skip
    assert [(p.first, p.second) for p in close] == [("a-1", "b-1")]


def test_near_duplicates_finds_exactly_what_scoring_every_pair_finds() -> None:
    """The bound that skips pairs must never skip a close one: checked against brute force on
    shipped prompts plus rewordings made to be close (cut short, shuffled, suffixed, padded)."""
    import random
    from itertools import combinations

    from rapidfuzz import fuzz

    from bot.bank import default_content_dir
    from bot.bank.overlap import near_duplicates

    shipped = load_bank([default_content_dir()])
    texts = [(q.id, q.prompt.lower()) for q in list(shipped.questions.values())[::4]]
    rng = random.Random(26)
    for k in range(80):
        qid, text = rng.choice(texts)
        words = text.split()
        if k % 4 == 0:
            words = words[: max(1, len(words) * 3 // 4)]
        elif k % 4 == 1:
            rng.shuffle(words)
        elif k % 4 == 2:
            words = [w + "s" if rng.random() < 0.15 else w for w in words]
        else:
            words = words + rng.choice(texts)[1].split()[:6]
        texts.append((f"{qid}-copy-{k}", " ".join(words)))
    texts += [("empty", ""), ("one", "word"), ("same-one", "word")]
    expected = sorted(
        (a, b, score)
        for (a, x), (b, y) in combinations(texts, 2)
        if (score := fuzz.token_set_ratio(x, y)) >= 85
    )
    assert len(expected) >= 60
    assert sorted(near_duplicates(texts, 85)) == expected
