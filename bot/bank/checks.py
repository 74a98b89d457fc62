"""Checks on a loaded bank that go beyond its schema: worked solutions that must at least parse
or run, and facts that have not been reviewed for a year.

Solutions are checked as far as this machine can without their tools: Python compiles, YAML and
JSON parse, self-contained SQL runs on an empty in-memory SQLite. Dockerfiles, HCL and shell
are only checked for being non-empty text (the schema does that).
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.bank.index import Bank
from bot.bank.models import STALE_AFTER_MONTHS, Question


@dataclass(frozen=True, slots=True)
class Finding:
    question_id: str
    message: str

    def __str__(self) -> str:
        return f"question '{self.question_id}': {self.message}"


def solution_problem(question: Question) -> str | None:
    """Why the question's worked solution does not parse or run, or None."""
    solution = question.solution
    if solution is None:
        return None
    code = solution.code
    try:
        if solution.language == "python":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                compile(code, f"<{question.id}>", "exec")
        elif solution.language == "yaml":
            list(yaml.safe_load_all(code))
        elif solution.language == "json":
            json.loads(code)
        elif solution.language == "sql":
            _run_sql(code)
    except SyntaxError as exc:
        return f"solution (python) does not compile: line {exc.lineno}: {exc.msg}"
    except yaml.YAMLError as exc:
        return f"solution (yaml) does not parse: {str(exc).splitlines()[0]}"
    except json.JSONDecodeError as exc:
        return f"solution (json) does not parse: {exc}"
    except sqlite3.Error as exc:
        return f"solution (sql) does not run on SQLite: {exc}"
    return None


def _run_sql(code: str) -> None:
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(code)
    finally:
        db.close()


def months_since(reviewed: str, today: date) -> int | None:
    if not reviewed:
        return None
    year, month = (int(part) for part in reviewed.split("-"))
    return (today.year - year) * 12 + today.month - month


def solution_findings(questions: Iterable[Question]) -> list[Finding]:
    return [
        Finding(q.id, problem) for q in questions if (problem := solution_problem(q)) is not None
    ]


def stale_findings(questions: Iterable[Question], today: date) -> list[Finding]:
    """Warnings, not errors: facts last checked more than a year ago (or in the future)."""
    out: list[Finding] = []
    for q in questions:
        age = months_since(q.reviewed, today)
        if age is None:
            continue
        if age > STALE_AFTER_MONTHS:
            out.append(Finding(q.id, f"facts last reviewed {q.reviewed}, {age} months ago"))
        elif age < 0:
            out.append(Finding(q.id, f"reviewed {q.reviewed} is in the future"))
    return out


def position(bank: Bank, question_id: str) -> str:
    """``file:line:column`` of a question's ``id:`` line, for messages about a loaded bank."""
    question = bank.questions[question_id]
    pack = next((p for p in bank.packs if p.name == question.pack), None)
    if pack is None:
        return "?:1:1"
    try:
        lines = Path(pack.source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return f"{pack.source}:1:1"
    needle = f"id: {question_id}"
    for number, line in enumerate(lines, start=1):
        column = line.find(needle)
        if column >= 0 and line[column + len(needle) :].strip() in {"", "'", '"'}:
            return f"{pack.source}:{number}:{column + 1}"
    return f"{pack.source}:1:1"
