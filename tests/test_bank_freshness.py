"""`content validate` warnings about sources (stale, missing) and `content stats` coverage,
including a pack that adds questions to a topic another pack defines (issue 26)."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from bot.bank import load_bank
from bot.bank.freshness import source_findings, unsourced_findings, version_claims
from bot.bank.stats import coverage, stats_table
from tests.test_cli import drillbot


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("use_lockfile is GA from Terraform 1.11, not 1.10.", ["Terraform 1.11"]),
        ("Bypassable below PyTorch 2.10 (CVE-2026-24747).", ["PyTorch 2.10", "CVE-2026-24747"]),
        ("See GHSA-63cw-57p8-fm3p.", ["GHSA-63cw-57p8-fm3p"]),
        ("Kueue v1beta1 is deprecated; use v1beta2.", ["v1beta1", "v1beta2"]),
        ("Pin actions/checkout@v4 by SHA.", ["@v4"]),
        ("Write a KFP v2 pipeline on cgroup v2 nodes.", ["KFP v2", "cgroup v2"]),
        (
            "Kubeflow Trainer v2's TrainJob; pydantic v2 validates in Rust.",
            ["Trainer v2", "pydantic v2"],
        ),
        ("Upgrade to 2.5.1 or later.", ["2.5.1"]),
        ("It has been there since 1.11.", ["since 1.11"]),
        ("vLLM 0.6 and pgvector 0.8 changed it.", ["vLLM 0.6", "pgvector 0.8"]),
        ("Kubernetes 1.28+ kills the whole group.", ["Kubernetes 1.28"]),
        ("At 2026-12 AWS list prices egress is about 0.09 dollars/GB.", ["0.09 dollars"]),
        ("OpenAI charges $2.50 per million input tokens.", ["$2.50"]),
    ],
)
def test_a_version_cve_or_price_is_spotted(text: str, claims: list[str]) -> None:
    found = version_claims(text)
    for claim in claims:
        assert any(claim in f for f in found), (claim, found)


@pytest.mark.parametrize(
    "text",
    [
        "The model scored 0.91 AUC; drift above 0.3 pages someone.",
        "It runs 1.5x faster, uses 2.5 GB and keeps 99.9% availability.",
        "Apache 2.0 and MIT licences allow it.",
        "Backfill v2 offline and evaluate it against v1 before switching.",
        "Keep the old one. Frustration v3 sits next to v2 until nobody reads it.",
        'Version the API (/v1, /v2) apart from the model; store a hand-typed "v2" string.',
        "Finance says GPU inference costs 400,000 dollars a month.",
        "Bind to 0.0.0.0 inside the container, p99 under 200 ms.",
        "Learning rate 0.001, dropout 0.1, temperature 0.7.",
    ],
)
def test_what_only_looks_like_a_version_is_left_alone(text: str) -> None:
    assert version_claims(text) == []


PACK = """\
pack: base
version: 1
topics:
  - slug: iac
    name: Infrastructure as code, state, drift, modules and everything around them
questions:
"""


def q(qid: str, prompt: str = "Explain it.", topic: str = "iac", extra: str = "") -> str:
    fields = [
        f"id: {qid}",
        f"topic: {topic}",
        "difficulty: medium",
        "kind: technical",
        f"prompt: {prompt}",
        "testing: Listens for a mechanism.",
        "key_points: [one, two, three]",
    ]
    return "  - " + "\n    ".join(fields) + "\n" + textwrap.indent(extra, "    ")


LEVELS = "levels: {strong: s, hire: h, no_hire: n}\n"
SOURCED = """\
sources:
  - url: https://developer.hashicorp.com/terraform/language/backend/s3
    claim: use_lockfile is GA from Terraform 1.11
    checked: "{month}"
"""


def test_unsourced_versions_are_listed_by_id_and_sourced_ones_are_not(tmp_path: Path) -> None:
    text = PACK + q("iac-001", "Why is Terraform 1.11 the floor?")
    text += q(
        "iac-002", "Why is Terraform 1.11 the floor here?", extra=SOURCED.format(month="2026-12")
    )
    text += q("iac-003", "How does state locking work?")
    text += q(
        "iac-004", "Explain it.", extra="model_answer: I'd upgrade to Terraform 1.11 first.\n"
    )
    (tmp_path / "a.yaml").write_text(text)
    bank = load_bank([tmp_path / "a.yaml"])
    found = {f.question_id: f.message for f in unsourced_findings(bank.questions.values())}
    assert found == {
        "iac-001": "states 'Terraform 1.11' but has no sources",
        "iac-004": "states 'Terraform 1.11' but has no sources",
    }


def test_a_source_checked_more_than_a_year_ago_is_flagged(tmp_path: Path) -> None:
    text = PACK + q("iac-001", extra=SOURCED.format(month="2025-11"))
    text += q("iac-002", extra=SOURCED.format(month="2025-12"))
    text += q("iac-003", extra=SOURCED.format(month="2027-01"))
    (tmp_path / "a.yaml").write_text(text)
    bank = load_bank([tmp_path / "a.yaml"])
    found = {
        f.question_id: f.message
        for f in source_findings(bank.questions.values(), date(2026, 12, 6))
    }
    assert found == {
        "iac-001": "source checked 2025-11, 13 months ago: "
        "https://developer.hashicorp.com/terraform/language/backend/s3",
        "iac-003": "source checked 2027-01 is in the future",
    }


def test_validate_warns_without_failing_and_counts_the_unsourced(tmp_path: Path) -> None:
    text = PACK + q("iac-001", "Why is Terraform 1.11 the floor?")
    text += q("iac-002", "Which CVE-2026-24747 fix matters?")
    text += q("iac-003", extra=SOURCED.format(month="2020-01") + 'reviewed: "2020-01"\n')
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "none").mkdir()  # no configured content to lean on
    env = {"DRILLBOT_CONTENT": str(tmp_path / "none")}
    result = drillbot("content", "validate", "a.yaml", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "a.yaml:21:5: warning: question 'iac-003': facts last reviewed 2020-01"
    )
    assert lines[1].startswith("a.yaml:21:5: warning: question 'iac-003': source checked 2020-01")
    assert lines[2:] == [
        "a.yaml:7:5: warning: question 'iac-001': states 'Terraform 1.11' but has no sources",
        "a.yaml:14:5: warning: question 'iac-002': states 'CVE-2026-24747' but has no sources",
        "warning: 2 question(s) state a version, CVE or price without sources",
    ]
    assert result.stdout.startswith("ok: 1 pack(s), 1 topic(s), 3 question(s)")


ADD_ON = """\
pack: iac-extra
version: 1
questions:
"""
RETIRED = """\
retired:
  - id: iac-009
    replaced_by: iac-002
"""


def test_stats_count_a_topic_whose_questions_come_from_two_packs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        PACK + q("iac-001", extra=LEVELS) + q("iac-002", extra="model_answer: I would.\n")
    )
    (tmp_path / "b.yaml").write_text(
        ADD_ON + q("iac-101", extra=LEVELS + SOURCED.format(month="2026-12")) + RETIRED
    )
    bank = load_bank([tmp_path])
    per = coverage(bank)
    assert (per["iac"].total, per["iac"].levels, per["iac"].answer) == (3, 2, 1)
    assert (per["iac"].sourced, per["iac"].retired) == (1, 1)
    assert per["all"] == per["iac"]
    table = stats_table(bank)
    row = next(line for line in table.splitlines() if line.startswith("iac "))
    assert "Infrastructure as code, state, drift, modules and everything around them" in row
    assert table.count("\niac ") == 2  # one row per topic in each table, not one per file


def test_validate_one_file_while_another_adds_to_its_topic(tmp_path: Path) -> None:
    """Checking the file that defines a topic still leans on the rest of the configured
    content when another pack there only adds questions to that topic."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "iac.yaml").write_text(PACK + q("iac-001"))
    (content / "iac-extra.yaml").write_text(ADD_ON + q("iac-101"))
    (content / "other.yaml").write_text(
        PACK.replace("slug: iac", "slug: ops").replace("name: Infra", "name: Ops")
        .replace("pack: base", "pack: other") + q("ops-001", topic="ops")
    )  # fmt: skip
    env = {"DRILLBOT_CONTENT": str(content)}
    result = drillbot("content", "validate", str(content / "iac.yaml"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 pack(s), 1 topic(s), 1 question(s) (with 1 pack(s)")
    # The whole folder, and stats over it, see one topic with both packs' questions.
    result = drillbot("content", "validate", cwd=tmp_path, env=env)
    assert result.stdout.startswith("ok: 3 pack(s), 2 topic(s), 3 question(s)"), result.stderr
    result = drillbot("content", "stats", cwd=tmp_path, env=env)
    row = next(line for line in result.stdout.splitlines() if line.startswith("iac "))
    assert row.split()[-9:] == ["0", "2", "0", "2", "0", "0", "0", "0", "0"]
