"""The third edition's question fields: levels, model_answer, sources (issue 26)."""

from __future__ import annotations

import textwrap

import pytest

from bot.bank import Levels, Source, parse_pack

TOPIC = """\
pack: graded
version: 1
topics:
  - slug: iac
    name: Infrastructure as code
questions:
"""

QUESTION = """\
  - id: iac-001
    topic: iac
    difficulty: hard
    kind: technical
    prompt: How do you stop two applies from racing on one Terraform state?
    testing: Listens for state locking and what the backend does about it.
    key_points: [one, two, three]
"""

GRADED = """\
levels:
  strong: >-
    Names the lock's failure mode (a stale lock after a killed run) and how to clear it safely.
  hire: Knows the backend locks the state and that plans must be re-run after a wait.
  no_hire: >-
    Suggests telling the team on chat before each apply.
model_answer: >-
  I keep state in a remote backend that locks, and I make CI the only thing that applies.
sources:
  - url: https://developer.hashicorp.com/terraform/language/backend/s3
    claim: >-
      The S3 backend's use_lockfile is GA from Terraform 1.11
    checked: "2026-12"
  - url: http://example.org/notes
    claim: A second claim.
    checked: 2026-11
"""


def pack_with(block: str = "") -> str:
    return TOPIC + QUESTION + textwrap.indent(block, "    ")


def parse(text: str) -> tuple[object, list[str]]:
    pack, issues = parse_pack(text, "p.yaml")
    return pack, [str(i) for i in issues]


def test_levels_model_answer_and_sources_are_read_into_typed_fields() -> None:
    pack, issues = parse(pack_with(GRADED))
    assert issues == []
    (q,) = pack.questions  # type: ignore[attr-defined]
    assert q.levels == Levels(
        strong="Names the lock's failure mode (a stale lock after a killed run) "
        "and how to clear it safely.",
        hire="Knows the backend locks the state and that plans must be re-run after a wait.",
        no_hire="Suggests telling the team on chat before each apply.",
    )
    assert q.model_answer.startswith("I keep state in a remote backend")
    assert q.sources == (
        Source(
            "https://developer.hashicorp.com/terraform/language/backend/s3",
            "The S3 backend's use_lockfile is GA from Terraform 1.11",
            "2026-12",
        ),
        Source("http://example.org/notes", "A second claim.", "2026-11"),
    )


def test_the_new_fields_are_optional_for_any_pack() -> None:
    pack, issues = parse(pack_with())
    assert issues == []
    (q,) = pack.questions  # type: ignore[attr-defined]
    assert (q.levels, q.model_answer, q.sources) == (None, "", ())


def test_fields_at_their_limits_are_accepted() -> None:
    block = (
        "levels:\n"
        f"  strong: {'s' * 300}\n  hire: {'h' * 300}\n  no_hire: {'n' * 300}\n"
        f"model_answer: {'m' * 2000}\n"
        "sources:\n"
        f"  - url: https://example.org/{'u' * 50}\n"
        f"    claim: {'c' * 200}\n"
        "    checked: '2015-01'\n"
    )
    pack, issues = parse(pack_with(block))
    assert issues == []
    (q,) = pack.questions  # type: ignore[attr-defined]
    assert len(q.model_answer) == 2000 and q.levels.no_hire == "n" * 300
    assert q.sources[0].checked == "2015-01"


LEVELS_OK = "levels: {strong: a, hire: b, no_hire: c}\n"
SOURCE = "sources:\n  - {{url: {url}, claim: {claim}, checked: {checked}}}\n"


def source(url: str = "https://x.org", claim: str = "c", checked: str = "'2026-12'") -> str:
    return SOURCE.format(url=url, claim=claim, checked=checked)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        # levels
        ("levels: strong\n", "p.yaml:14:13: question 'iac-001': levels must be a mapping"),
        ("levels: [a, b, c]\n", "question 'iac-001': levels must be a mapping"),
        (
            "levels: {strong: a, hire: b}\n",
            "p.yaml:14:13: question 'iac-001': levels: missing field 'no_hire'",
        ),
        ("levels: {strong: a, hire: b, no_hire: c, weak: d}\n", "levels: unknown field 'weak'"),
        (
            "levels: {strong: a, hire: yes, no_hire: c}\n",
            "levels: hire must be text (got 'yes', which YAML reads as bool",
        ),
        ("levels: {strong: a, hire: '', no_hire: c}\n", "levels: hire must not be empty"),
        (
            f"levels: {{strong: {'x' * 301}, hire: b, no_hire: c}}\n",
            "levels: strong is 301 characters (limit 300)",
        ),
        # model_answer
        (
            f"model_answer: {'m' * 2001}\n",
            "p.yaml:14:19: question 'iac-001': model_answer is 2001 characters (limit 2000)",
        ),
        ("model_answer: [I, would]\n", "model_answer must be text (got a list"),
        ("model_answer: 1.0\n", "model_answer must be text (got '1.0', which YAML reads as float"),
        # sources
        ("sources: https://x.org\n", "p.yaml:14:14: question 'iac-001': sources must be a list"),
        ("sources: []\n", "sources must not be empty"),
        (
            "sources:\n  - https://x.org\n",
            "p.yaml:15:9: question 'iac-001': sources[0] must be a mapping",
        ),
        ("sources:\n  - {url: https://x.org, claim: c}\n", "sources[0]: missing field 'checked'"),
        (
            source(url="ftp://x.org/a"),
            "p.yaml:15:15: question 'iac-001': sources[0]: url must be an http(s) address (got 'ftp://x.org/a')",
        ),
        (source(url="x.org/release-notes"), "sources[0]: url must be an http(s) address"),
        (source(url="'https:// x.org'"), "sources[0]: url must be an http(s) address"),
        (source(url="'https://'"), "sources[0]: url must be an http(s) address"),
        (source(url="'https://...'"), "sources[0]: url must be an http(s) address"),
        (source(url="'javascript:alert(1)'"), "sources[0]: url must be an http(s) address"),
        (source(claim="c" * 201), "sources[0]: claim is 201 characters (limit 200)"),
        (
            source(checked="'2026-13'"),
            "sources[0]: checked must be a quoted YYYY-MM (got '2026-13')",
        ),
        (
            source(checked="'Dec 2026'"),
            "sources[0]: checked must be a quoted YYYY-MM (got 'Dec 2026')",
        ),
        (source(checked="'26-12'"), "sources[0]: checked must be a quoted YYYY-MM"),
        (
            source(checked="2026-12-01"),
            "sources[0]: checked must be text (got '2026-12-01', which YAML reads as timestamp",
        ),
        (
            source(checked="202612"),
            "sources[0]: checked must be text (got '202612', which YAML reads as int",
        ),
        (
            "sources:\n  - {url: https://x.org, claim: c, checked: '2026-12', by: me}\n",
            "sources[0]: unknown field 'by'",
        ),
        (
            "sources:\n" + "  - {url: https://x.org, claim: c, checked: '2026-12'}\n" * 11,
            "at most 10 sources (got 11)",
        ),
    ],
)
def test_a_bad_graded_field_names_file_line_column_and_what_is_wrong(
    block: str, message: str
) -> None:
    pack, issues = parse(pack_with(block))
    assert pack is not None
    assert pack.questions == ()  # type: ignore[attr-defined]
    assert any(message in issue for issue in issues), issues
    assert all(issue.startswith("p.yaml:") for issue in issues)


def test_every_problem_in_one_question_is_reported_at_once() -> None:
    block = (
        "levels: {strong: a, hire: b}\n"
        f"model_answer: {'m' * 2001}\n"
        "sources:\n"
        "  - {url: ftp://x, claim: c, checked: '2026-13'}\n"
        "  - {url: https://x.org, claim: c}\n"
    )
    _, issues = parse(pack_with(block))
    assert len(issues) == 5, issues


def test_a_misspelt_field_beside_them_is_still_refused() -> None:
    _, issues = parse(pack_with(LEVELS_OK + "model_anwser: I would.\n"))
    assert any("unknown field 'model_anwser'" in i for i in issues), issues
