"""The pack loader (validation with file:line:column) and topic lookup."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bank import (
    Bank,
    PackError,
    PackIssue,
    Question,
    UnknownTopic,
    load_bank,
    parse_pack,
)

PACKS = Path(__file__).parent / "fixtures" / "packs"
GOOD = PACKS / "good"
BROKEN = PACKS / "broken"


def issues_of(*names: str) -> list[PackIssue]:
    with pytest.raises(PackError) as caught:
        load_bank([BROKEN / name for name in names])
    return caught.value.issues


def where(issue: PackIssue) -> str:
    """`broken/file.yaml:line:column`, independent of where the checkout lives."""
    return f"{Path(issue.source).parent.name}/{Path(issue.source).name}:{issue.line}:{issue.column}"


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([GOOD])


# -- loading a good pack ----------------------------------------------------------------------
def test_good_pack_loads_topics_and_questions(bank: Bank) -> None:
    assert sorted(bank.topics) == ["cicd", "containers", "monitoring"]
    assert sorted(bank.questions) == ["cicd-001", "containers-001", "monitoring-001"]
    assert [p.name for p in bank.packs] == ["fixture-good"]
    assert bank.topics["cicd"].aliases == ("ci", "cd", "ci/cd")
    assert bank.topics["containers"].description == ""


def test_good_pack_question_fields_are_typed_and_folded(bank: Bank) -> None:
    question = bank.questions["cicd-001"]
    assert question == Question(
        id="cicd-001",
        topic="cicd",
        difficulty="easy",
        kind="technical",
        prompt="What does a CI pipeline for an ML project test beyond the unit tests?",
        testing="Whether the candidate sees that data and models change too.",
        key_points=(
            "Data validation",
            "Training smoke tests",
            "Model evaluation against a baseline",
        ),
        follow_ups=("Which checks run on every pull request?",),
        tags=("testing",),
        pack="fixture-good",
        version="2",
    )
    assert bank.questions["containers-001"].follow_ups == ()
    assert [q.id for q in bank.by_topic("monitoring")] == ["monitoring-001"]


def test_empty_pack_is_an_issue_not_a_crash() -> None:
    pack, issues = parse_pack("", "empty.yaml")
    assert pack is None
    assert [str(i) for i in issues] == ["empty.yaml:1:1: pack is empty"]


# -- broken packs: one file per failure, exact positions -------------------------------------
def test_bad_yaml_syntax_names_the_position() -> None:
    (issue,) = issues_of("syntax.yaml")
    assert where(issue) == "broken/syntax.yaml:7:10"
    assert issue.message.startswith("YAML syntax error: ")


def test_duplicate_id_across_files_points_at_the_second_use() -> None:
    (issue,) = issues_of("dup-first.yaml", "dup.yaml")
    assert where(issue) == "broken/dup.yaml:12:5"
    assert issue.message == "question 'dupes-001': id is already used (pack 'broken-dup-first')"


def test_duplicate_id_within_one_file_points_at_the_repeat() -> None:
    text = (BROKEN / "dup-first.yaml").read_text(encoding="utf-8")
    repeat = text[text.index("  - id: dupes-001") :]
    pack, issues = parse_pack(text + repeat, "same.yaml")
    assert pack is not None and not issues
    with pytest.raises(PackError) as caught:
        Bank.from_packs([(pack, text + repeat)])
    (issue,) = caught.value.issues
    assert (issue.line, issue.column) == (14, 5)
    assert "id is already used" in issue.message


def test_unknown_topic_is_reported_at_the_question() -> None:
    (issue,) = issues_of("unknown-topic.yaml")
    assert where(issue) == "broken/unknown-topic.yaml:4:5"
    assert issue.message == "question 'orphan-001': unknown topic 'nosuch'"


def test_missing_field_is_reported_at_the_question() -> None:
    (issue,) = issues_of("missing-field.yaml")
    assert where(issue) == "broken/missing-field.yaml:7:5"
    assert issue.message == "question 'missing-001': missing field 'testing'"


def test_too_long_prompt_is_refused_with_its_length() -> None:
    (issue,) = issues_of("long-prompt.yaml")
    assert where(issue) == "broken/long-prompt.yaml:11:13"
    assert issue.message == "question 'verbose-001': prompt is 1124 characters (limit 1000)"


def test_wrong_types_are_refused_not_coerced() -> None:
    issues = issues_of("wrong-type.yaml")
    assert [where(i) for i in issues] == [
        "broken/wrong-type.yaml:13:7",
        "broken/wrong-type.yaml:17:9",
    ]
    assert issues[0].message == "question 'types-001': testing must be text (got a list; quote it)"
    # YAML 1.1 reads a bare `yes` as True; the loader must not turn it into "True".
    assert issues[1].message == (
        "question 'types-001': follow_ups[1] must be text "
        "(got 'yes', which YAML reads as bool; quote it)"
    )


def test_key_points_outside_three_to_seven_are_refused() -> None:
    issues = issues_of("key-points.yaml")
    assert [(where(i), i.message) for i in issues] == [
        (
            "broken/key-points.yaml:13:17",
            "question 'points-001': key_points must have 3 to 7 items (got 2)",
        ),
        (
            "broken/key-points.yaml:20:17",
            "question 'points-002': key_points must have 3 to 7 items (got 8)",
        ),
    ]


def test_alias_claimed_by_two_topics_points_at_the_second_claim() -> None:
    (issue,) = issues_of("alias.yaml")
    assert where(issue) == "broken/alias.yaml:9:23"
    assert issue.message == "topic 'beta': alias 'shared' is already used by topic 'alpha'"


def test_every_problem_in_a_file_is_reported() -> None:
    issues = issues_of("multi.yaml")
    assert len(issues) == 3
    assert [where(i) for i in issues] == [
        "broken/multi.yaml:10:17",
        "broken/multi.yaml:11:11",
        "broken/multi.yaml:15:5",
    ]
    assert "difficulty must be one of easy, medium, hard (got 'tricky')" in issues[0].message
    assert "kind must be one of" in issues[1].message and "'trivia'" in issues[1].message
    assert issues[2].message == "question 'multi-001': unknown field 'answer'"


def test_a_folder_reports_every_file_sorted() -> None:
    with pytest.raises(PackError) as caught:
        load_bank([BROKEN])
    issues = caught.value.issues
    files = {Path(i.source).name for i in issues}
    broken = {p.name for p in BROKEN.glob("*.yaml")} - {"dup-first.yaml"}
    assert files == broken
    assert len(issues) == 13
    assert issues == sorted(issues, key=lambda i: (i.source, i.line, i.column))
    # The exception text is one `file:line:column: message` line per issue.
    assert str(caught.value).splitlines() == [str(i) for i in issues]


# -- topic lookup ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("cicd", "cicd"),  # slug
        ("ci/cd", "cicd"),  # alias with punctuation
        ("CI", "cicd"),  # alias, case folded
        ("k8s", "containers"),
        ("drift", "monitoring"),
        ("Monitoring and Drift", "monitoring"),  # full name
        ("mon", "monitoring"),  # unique prefix
        ("kubernets", "containers"),  # typo
    ],
)
def test_resolve_topic(bank: Bank, text: str, slug: str) -> None:
    assert bank.resolve_topic(text).slug == slug


def test_ambiguous_prefix_is_unknown_with_suggestions(bank: Bank) -> None:
    with pytest.raises(UnknownTopic) as caught:
        bank.resolve_topic("c")
    assert [t.slug for t in caught.value.suggestions] == ["cicd", "containers"]
    assert str(caught.value) == (
        "No topic matches 'c'. Did you mean `cicd` (CI/CD for ML), "
        "`containers` (Docker and Kubernetes)?"
    )


def test_near_miss_is_unknown_but_suggests_the_topic(bank: Bank) -> None:
    with pytest.raises(UnknownTopic) as caught:
        bank.resolve_topic("drifting")
    assert caught.value.text == "drifting"
    assert caught.value.suggestions[0].slug == "monitoring"


def test_unrelated_text_is_unknown_without_suggestions(bank: Bank) -> None:
    with pytest.raises(UnknownTopic) as caught:
        bank.resolve_topic("quantum")
    assert caught.value.suggestions == []
    assert str(caught.value) == "No topic matches 'quantum'."


def test_complete_topics_empty_returns_every_topic(bank: Bank) -> None:
    assert [t.slug for t in bank.complete_topics("")] == ["cicd", "containers", "monitoring"]


def test_complete_topics_puts_the_match_first(bank: Bank) -> None:
    completions = bank.complete_topics("cic")
    assert completions[0].slug == "cicd"
    assert len({t.slug for t in completions}) == len(completions)
