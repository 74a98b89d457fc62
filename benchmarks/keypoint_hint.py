"""How good is the "you may have missed" hint? Measured on a labelled sample.

Reads tests/fixtures/keypoint_sample.yaml (ten questions, strong / partial / weak / keyword-salad
answers, each key point labelled covered or not by hand) and scores the hint of
bot/practice/keypoints.py: a "missed" flag is a positive. Prints precision and recall per
question, per kind of answer and overall, against what chance would get (flagging at random at
the same rate: precision = the share of key points truly missed), and the questions where the
hint does no better than chance (true-positive rate <= false-positive rate): those get no hint
(``HINT_OFF``). The last line is JSON.

    .venv/bin/python benchmarks/keypoint_hint.py
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.bank import default_content_dir, load_bank  # noqa: E402
from bot.practice import keypoints  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "keypoint_sample.yaml"


@dataclass
class Tally:
    tp: int = 0  # flagged and truly missed
    fp: int = 0  # flagged but covered
    fn: int = 0  # missed but not flagged
    tn: int = 0

    def add(self, flagged: bool, truly_missed: bool) -> None:
        if flagged and truly_missed:
            self.tp += 1
        elif flagged:
            self.fp += 1
        elif truly_missed:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def base_rate(self) -> float:
        """Precision of flagging at random: the share of key points truly missed."""
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.fn) / total if total else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def better_than_chance(self) -> bool:
        return self.recall > self.fpr


def measure() -> tuple[Tally, dict[str, Tally], dict[str, Tally]]:
    bank = load_bank([default_content_dir()])
    idf = keypoints.weights(k for q in bank.questions.values() for k in q.key_points)
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    overall, per_question, per_kind = Tally(), defaultdict(Tally), defaultdict(Tally)
    for qid, answers in sample.items():
        question = bank.questions[qid]
        for kind, answer in answers.items():
            flagged = set(keypoints.missed(answer["text"], question.key_points, idf))
            covered = set(answer["covered"])
            for i in range(len(question.key_points)):
                for tally in (overall, per_question[qid], per_kind[kind]):
                    tally.add(i in flagged, i not in covered)
    return overall, dict(per_question), dict(per_kind)


def main() -> None:
    overall, per_question, per_kind = measure()
    print(f"{'':<18} {'precision':>9} {'recall':>7} {'chance':>7} {'fpr':>5}  flags")
    for name, t in [*per_question.items(), *per_kind.items(), ("overall", overall)]:
        print(
            f"{name:<18} {t.precision:>9.2f} {t.recall:>7.2f} {t.base_rate:>7.2f} {t.fpr:>5.2f}"
            f"  tp {t.tp} fp {t.fp} fn {t.fn} tn {t.tn}"
            + ("" if t.better_than_chance else "  <- no better than chance")
        )
    off = sorted(q for q, t in per_question.items() if not t.better_than_chance)
    print(
        json.dumps(
            {
                "precision": round(overall.precision, 3),
                "recall": round(overall.recall, 3),
                "chance_precision": round(overall.base_rate, 3),
                "false_positive_rate": round(overall.fpr, 3),
                "hint_off": off,
                "kinds": {
                    k: {"precision": round(t.precision, 3), "recall": round(t.recall, 3)}
                    for k, t in per_kind.items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
