"""The documentation's examples must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from bot.bank import Bank, default_content_dir, load_bank, parse_pack

ROOT = Path(__file__).resolve().parents[1]


def test_pack_example_in_content_readme_is_valid() -> None:
    text = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    pack, issues = parse_pack(example.group(1), "content/README.md")
    assert issues == []
    assert pack is not None and [q.id for q in pack.questions] == ["our-rag-001"]
    # It must also merge with the shipped bank (no clashing ids or aliases).
    bank = Bank.from_packs([(pack, example.group(1))], load_bank([default_content_dir()]))
    assert bank.resolve_topic("team-rag").slug == "our-rag"


def test_readme_gives_the_ci_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ".venv/bin/python -m pytest -q -p no:cacheprovider"
    assert command in readme and command in ci
