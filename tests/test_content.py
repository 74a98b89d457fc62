"""The shipped question bank: complete, balanced, within Discord's limits, no near-duplicates."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.bank import (
    KEY_POINTS_RANGE,
    MAX_FOLLOW_UP,
    MAX_FOLLOW_UPS,
    MAX_KEY_POINT,
    MAX_PROMPT,
    MAX_TESTING,
    Bank,
    default_content_dir,
    load_bank,
    normalise,
)
from bot.bank.overlap import near_duplicates

TOPICS = (
    "python", "cicd", "serving", "ml", "containers", "pipelines", "cloud",
    "monitoring", "features", "iac", "data", "security", "design", "behavioural", "llmops",
)  # fmt: skip
MIN_QUESTIONS = 480
MIN_PER_TOPIC = 32
# token_set_ratio scores 100 when one prompt's words are a subset of another's, so 85 flags
# rewordings and subsets, while distinct questions on the same subject score below ~70. The
# highest pair observed in the shipped bank (252 questions) is 72.7, containers-007 against
# serving-009; the highest within one topic is 61.6 (features-002 / features-018).
NEAR_DUPLICATE = 85
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([default_content_dir()])


def pack_paths() -> list[Path]:
    return sorted(default_content_dir().glob("*.yaml"))


def test_bank_has_every_topic(bank: Bank) -> None:
    assert sorted(bank.topics) == sorted(TOPICS)


def test_bank_has_enough_questions(bank: Bank) -> None:
    assert len(bank.questions) >= MIN_QUESTIONS


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_is_deep_and_balanced(bank: Bank, topic: str) -> None:
    questions = bank.by_topic(topic)
    assert len(questions) >= MIN_PER_TOPIC, f"{topic}: {len(questions)} questions"
    levels = Counter(q.difficulty for q in questions)
    assert levels["hard"] * 4 >= len(questions), f"{topic}: {levels['hard']} hard of {levels}"
    assert levels["easy"] * 4 >= len(questions), f"{topic}: {levels['easy']} easy of {levels}"
    with_follow_ups = sum(1 for q in questions if q.follow_ups)
    assert with_follow_ups * 2 >= len(questions), f"{topic}: {with_follow_ups} with follow-ups"


def test_raw_yaml_ids_are_unique() -> None:
    # The loader refuses duplicates; this reads the files directly so that a loader bug
    # could not hide one.
    ids = [
        question["id"]
        for path in pack_paths()
        # PyYAML's C loader when built with it: the pure-Python one takes seconds at 800.
        for question in yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE)["questions"]
    ]
    repeated = [qid for qid, n in Counter(ids).items() if n > 1]
    assert repeated == []
    assert len(ids) >= MIN_QUESTIONS


def test_every_alias_resolves_to_its_own_topic(bank: Bank) -> None:
    for topic in bank.topics.values():
        for key in (topic.slug, topic.name, *topic.aliases):
            assert bank.resolve_topic(key).slug == topic.slug, key


@pytest.mark.parametrize(
    ("alias", "slug"),
    [("cicd", "cicd"), ("ci", "cicd"), ("k8s", "containers"), ("drift", "monitoring")],
)
def test_common_aliases(bank: Bank, alias: str, slug: str) -> None:
    assert bank.resolve_topic(alias).slug == slug


def test_no_alias_is_claimed_by_two_topics(bank: Bank) -> None:
    owners: dict[str, set[str]] = {}
    for topic in bank.topics.values():
        for key in (topic.slug, topic.name, *topic.aliases):
            owners.setdefault(normalise(key), set()).add(topic.slug)
    shared = {key: slugs for key, slugs in owners.items() if len(slugs) > 1}
    assert shared == {}


def test_every_field_fits_discord(bank: Bank) -> None:
    low, high = KEY_POINTS_RANGE
    for q in bank.questions.values():
        assert len(q.prompt) <= MAX_PROMPT, q.id
        assert len(q.testing) <= MAX_TESTING, q.id
        assert low <= len(q.key_points) <= high, q.id
        assert all(len(point) <= MAX_KEY_POINT for point in q.key_points), q.id
        assert len(q.follow_ups) <= MAX_FOLLOW_UPS, q.id
        assert all(len(f) <= MAX_FOLLOW_UP for f in q.follow_ups), q.id


def test_no_near_duplicate_prompts(bank: Bank) -> None:
    # Every pair's token_set_ratio, bounded first so only pairs that could be close are scored
    # (tests/test_bank_extras.py checks it finds what scoring every pair finds).
    prompts = [(q.id, q.prompt.lower()) for q in bank.questions.values()]
    close = [(a, b, round(score, 1)) for a, b, score in near_duplicates(prompts, NEAR_DUPLICATE)]
    assert close == []
