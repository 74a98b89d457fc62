"""Discord's rules for a modal (an interaction callback of type 9), as its API description
states them (ModalInteractionCallbackRequestData and the *ForModalRequest components): a breach
is 400 50035 Invalid Form Body, as Discord answers."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator.limits import invalid

Json = dict[str, Any]
ACTION_ROW, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 4, 10, 18
CHECKBOX_GROUP, CHECKBOX = 22, 23
# What a Label may wrap: selects (3, 5-8), a text input, a file upload, a radio group, check boxes.
IN_LABEL = {3, 4, 5, 6, 7, 8, 19, 21, CHECKBOX_GROUP, CHECKBOX}


def _text(where: str, value: Any, low: int, high: int, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise invalid(where, f"Must be between {low} and {high} in length.")


def _count(where: str, value: Any, low: int, high: int) -> None:
    if value is not None and not (isinstance(value, int) and low <= value <= high):
        raise invalid(where, f"Must be between {low} and {high}.")


def validate_modal(data: Json) -> None:
    _text("data.custom_id", data.get("custom_id"), 1, 100)
    _text("data.title", data.get("title"), 1, 45)
    rows = data.get("components")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 40:
        raise invalid("data.components", "Must be between 1 and 40 in length.")
    seen: set[str] = set()
    for n, row in enumerate(rows):
        where = f"data.components.{n}"
        kind = row.get("type")
        if kind == ACTION_ROW:
            inputs = row.get("components") or []
            if not 1 <= len(inputs) <= 5 or any(i.get("type") != TEXT_INPUT for i in inputs):
                raise invalid(where, "An action row in a modal holds 1 to 5 text inputs.")
            for m, item in enumerate(inputs):
                _item(f"{where}.components.{m}", item, seen)
        elif kind == LABEL:
            _text(f"{where}.label", row.get("label"), 1, 45)
            _text(f"{where}.description", row.get("description"), 1, 100, optional=True)
            component = row.get("component")
            if not isinstance(component, dict) or component.get("type") not in IN_LABEL:
                raise invalid(f"{where}.component", "Value is not a component a label may hold.")
            _item(f"{where}.component", component, seen)
        elif kind == TEXT_DISPLAY:
            _text(f"{where}.content", row.get("content"), 1, 4000)
        else:
            raise invalid(where, f"Component type {kind} is not allowed in a modal.")


def _item(where: str, item: Json, seen: set[str]) -> None:
    custom_id = item.get("custom_id")
    _text(f"{where}.custom_id", custom_id, 1, 100)
    if custom_id in seen:
        raise invalid(where, f"Component custom id {custom_id!r} is duplicated")
    seen.add(str(custom_id))
    if item.get("type") == CHECKBOX_GROUP:
        _checkbox_group(where, item)


def _checkbox_group(where: str, item: Json) -> None:
    options = item.get("options")
    if not isinstance(options, list) or not 1 <= len(options) <= 10:
        raise invalid(f"{where}.options", "Must be between 1 and 10 in length.")
    values: set[str] = set()
    for k, option in enumerate(options):
        at = f"{where}.options.{k}"
        _text(f"{at}.label", option.get("label"), 1, 100)
        _text(f"{at}.value", option.get("value"), 1, 100)
        _text(f"{at}.description", option.get("description"), 0, 100, optional=True)
        if option.get("value") in values:
            raise invalid(f"{at}.value", "Option values must be unique.")
        values.add(option["value"])
    low, high = item.get("min_values"), item.get("max_values")
    _count(f"{where}.min_values", low, 0, 10)
    _count(f"{where}.max_values", high, 1, 10)
    if (high or 1) > len(options) or (low or 0) > (high if high is not None else 1):
        raise invalid(where, "min_values <= max_values <= the number of options.")


def checkbox_answer(item: Json, picked: list[str]) -> list[str]:
    """What the Discord client lets a member submit for a checkbox group: known values only,
    between min_values and max_values of them (none at all if it is not required)."""
    known = [o["value"] for o in item.get("options") or []]
    unknown = [v for v in picked if v not in known]
    if unknown:
        raise ValueError(f"checkbox group {item['custom_id']!r} has no options {unknown}")
    low, high = int(item.get("min_values") or 0), int(item.get("max_values") or 1)
    if low == 0 and item.get("required", True):
        low = 1  # a required group needs a tick even when min_values is 0
    if not low <= len(set(picked)) <= high:
        raise ValueError(
            f"checkbox group {item['custom_id']!r} takes {low} to {high} ticks, got {len(picked)}"
        )
    return list(dict.fromkeys(picked))


def client_answer(item: Json, values: dict[str, Any], seen: set[str]) -> Json:
    """What the Discord client submits for one modal input, checked like the client does
    (ValueError: the client would not let the member submit that)."""
    cid = item["custom_id"]
    seen.add(cid)
    answer: Json = {"type": item["type"], "custom_id": cid}
    if item["type"] == CHECKBOX_GROUP:
        answer["values"] = checkbox_answer(item, [str(v) for v in values.get(cid, [])])
        return answer
    if item["type"] != TEXT_INPUT:  # selects inside a label submit a list
        answer["values"] = list(values.get(cid, []))
        return answer
    text = str(values.get(cid, ""))
    if item.get("required", True) and not text:
        raise ValueError(f"modal input {cid!r} is required")
    if text and len(text) < int(item.get("min_length") or 0):
        raise ValueError(f"modal input {cid!r} is shorter than {item['min_length']}")
    if len(text) > int(item.get("max_length") or 4000):
        raise ValueError(f"modal input {cid!r} is longer than {item.get('max_length') or 4000}")
    answer["value"] = text
    return answer
