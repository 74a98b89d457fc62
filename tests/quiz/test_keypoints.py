"""The key-point hint and the checklist's rules, without Discord; and the hint measured on the
labelled sample (tests/fixtures/keypoint_sample.yaml), as benchmarks/keypoint_hint.py reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.practice import keypoints
from bot.sandbox.emulator.limits import invalid
from bot.sandbox.emulator.modals import checkbox_answer, validate_modal
from bot.sandbox.emulator.wire import ApiError

ROOT = Path(__file__).resolve().parents[2]
POINTS = (
    "Overfit one small batch; a correct loop drives training loss near zero",
    "Shuffled labels must do worse than real ones, which proves labels reach the loss",
)


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "keypoint_hint", ROOT / "benchmarks/keypoint_hint.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_a_point_the_answer_words_cover_is_not_flagged() -> None:
    answer = "I overfit a single small batch until the training loss is near zero."
    assert keypoints.missed(answer, POINTS) == [1]


def test_inflections_and_typos_still_match() -> None:
    answer = "Shuffling the label column must make it worse than the real labels; lables reach loss"
    assert keypoints.coverage(answer, POINTS[1]) >= keypoints.COVERED


def test_an_empty_answer_misses_everything() -> None:
    assert keypoints.missed("", POINTS) == [0, 1]


def test_the_hint_beats_chance_on_the_labelled_sample_and_the_off_list_is_what_it_measured() -> (
    None
):
    overall, per_question, per_kind = benchmark().measure()
    assert overall.tp + overall.fp + overall.fn + overall.tn == 160  # 10 questions x 4 answers
    assert overall.precision > overall.base_rate  # flags are right more often than at random
    assert overall.recall > overall.fpr
    assert overall.precision >= 0.75 and overall.recall >= 0.75  # today: 0.79 and 0.79
    worse = {q for q, t in per_question.items() if not t.better_than_chance}
    assert worse <= keypoints.HINT_OFF
    assert per_kind["salad"].recall < 0.6  # what it cannot do: a keyword salad fools it


def test_the_emulator_refuses_a_checkbox_group_discord_would_refuse() -> None:
    option = {"label": "x", "value": "0"}
    group = {"type": 22, "custom_id": "points0", "options": [option], "max_values": 1}
    modal = {"custom_id": "m", "title": "t", "components": [{"type": 18, "label": "L"}]}
    ok = {**modal, "components": [{"type": 18, "label": "L", "component": group}]}
    validate_modal(ok)
    eleven = [{"label": f"o{i}", "value": str(i)} for i in range(11)]
    for bad in (
        {**group, "options": eleven, "max_values": 10},
        {**group, "options": [{"label": "x" * 101, "value": "0"}]},
        {**group, "max_values": 2},
        {**group, "options": []},
    ):
        with pytest.raises(ApiError):
            validate_modal({**modal, "components": [{"type": 18, "label": "L", "component": bad}]})
    with pytest.raises(ApiError):
        validate_modal({**ok, "title": "t" * 46})
    with pytest.raises(ApiError):  # a checkbox group outside a label
        validate_modal({**modal, "components": [group]})
    assert isinstance(invalid("x", "y"), ApiError)


def test_the_emulated_client_submits_only_what_a_checkbox_group_allows() -> None:
    group = {
        "type": 22,
        "custom_id": "points0",
        "options": [{"label": "a", "value": "0"}, {"label": "b", "value": "1"}],
        "min_values": 0,
        "max_values": 2,
        "required": False,
    }
    assert checkbox_answer(group, []) == []
    assert checkbox_answer(group, ["1", "0"]) == ["1", "0"]
    with pytest.raises(ValueError):
        checkbox_answer(group, ["2"])
    with pytest.raises(ValueError):
        checkbox_answer({**group, "required": True}, [])
