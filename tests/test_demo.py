"""`drillbot demo` prints a whole day and a blind day, as the README promises a newcomer."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.bank import Bank
from bot.practice.keypoints import missed, terms
from bot.sandbox.demo.answers import Answered, sample
from bot.sandbox.demo.day import _demo

ROOT = Path(__file__).resolve().parents[1]


def test_demo_prints_a_whole_day(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DRILLBOT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    steps = [
        "/drill setup channel:#daily-question",
        "Saved. The daily question goes to #daily-question at 09:00 Europe/Berlin",
        "[Mon 09:00] drillbot   posts in #daily-question",
        "opens thread «2026-03-02 · ",
        "stored 5 answers (1 edit) — all committed",
        "[Tue 08:00] drillbot   reveals in the thread:",
        "What they're testing",
        "5 members answered",
        "closes the thread (locked=True, archived=True)",
        "1. ana    13 pts",
        "olga       /drill setup answers:blind discussion:2h",
        "posts in #daily-question, with an Answer button and no thread",
        "(only ben sees this) Your answer is updated",
        "the channel shows 0 answers",
        "and posts every answer together:",
        "Answer 1/4 · @ana",
        "Answer 4/4 · @dee",
        "then the notes:",
        "4 members answered · the thread stays open for discussion until 10:00",
        "stored for your history but not scored or posted",
        "locks the discussion (locked=True); 5 answers stored, 4 scored",
        "/quiz topic:cicd",
        "buttons: Answer · Show notes · Skip · Report",
        "Graded Good",
        "/leaderboard period:all",
        "Leaderboard · All time",
        "ben        /stats",
        "chart written to ",
        "/drill gaps weeks:1",
        "Gap report · last 1 week(s)",
        "heatmap written to ",
        "/mock start round:coding",
        "Coding · question 1 of 4",
        "Mock coding: summary",
        " · over time",
    ]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    assert positions == sorted(positions)  # in the order of the day
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # the throwaway database is gone
    # Issue 22.12: it reads like Discord. Mentions are @names, timestamps as the client shows
    # them, no markup; the numbers add up; every chart is saved where it says.
    for raw in ("<@", "<#", "<t:", "**"):
        assert raw not in out, raw
    assert "Next post: Monday, 2 March 2026 09:00 (in 5 minutes)" in out
    assert "@ana +13" in out
    assert "(cy replied but scored nothing: a reply under 20 characters" in out
    charts = re.findall(r"written to (\S+\.png) \(([\d,]+) bytes PNG\)", out)
    assert len(charts) == 3  # /stats, the gap report, the mock summary
    for path, size in charts:
        assert Path(path).stat().st_size == int(size.replace(",", "")), path


async def test_the_demos_sample_answers_answer_the_questions_they_are_given() -> None:
    """Issue 22.12: each sample answer is written from its own question's key points, on every
    day of the demo (the thread day, the blind day, the /quiz card and the mock round): a strong
    one covers three or four key points, a partial one at least one, a weak one is short and
    shares fewer of the key points' words than the strong ones."""
    answered = Answered()
    assert await _demo(5, io.StringIO(), answered) == 0
    by_question: dict[str, dict[str, list[str]]] = {}
    for question, level, text in answered.items:
        by_question.setdefault(question.id, {}).setdefault(level, []).append(text)
    assert len(by_question) >= 4  # two daily questions, the quiz card, the mock questions
    daily = [q for q, levels in by_question.items() if len(levels) >= 2]
    assert len(daily) >= 2  # both days have strong and partial answers (and day one a weak one)
    strong_texts = set()
    for question, level, text in answered.items:
        keys = question.key_points
        wanted = set(terms(" ".join(keys)))
        shared = set(terms(text)) & wanted
        covered = len(keys) - len(missed(text, keys))
        if level == "strong":
            assert covered >= min(3, len(keys)) and len(shared) >= 8, (question.id, text)
            strong_texts.add(text)
        elif level == "partial":
            assert covered >= 1, (question.id, text)
        else:
            assert len(text) <= 120, text
            strongest = [
                len(set(terms(t)) & wanted) for t in by_question[question.id].get("strong", [])
            ]
            assert all(len(shared) < s for s in strongest), (question.id, text)
            assert len(shared) < 8 and covered <= 1, (question.id, text)
    # Written per question, not one text reused: no two questions get the same strong answer.
    assert len(strong_texts) == len([1 for _, level, _ in answered.items if level == "strong"])


def test_sample_answers_follow_any_questions_key_points(bank: Bank) -> None:
    """Not written for one question: across the whole bank a strong answer covers three or more
    key points and shares more of their words than the weak one."""
    for question in bank.questions.values():
        keys = question.key_points
        strong, weak = sample(question, "strong"), sample(question, "weak")
        wanted = set(terms(" ".join(keys)))
        assert len(keys) - len(missed(strong, keys)) >= min(3, len(keys)), question.id
        assert len(set(terms(strong)) & wanted) > len(set(terms(weak)) & wanted), question.id
        assert 20 <= len(weak) <= 120 and len(strong) <= 1900, question.id
