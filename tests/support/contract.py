"""Discord's own API description as a contract for the emulator and the bot (issue 22.2).

Every REST call an emulator test records is checked against Discord's official OpenAPI
description (tests/fixtures/discord-api-spec/, MIT): the bot's request body against the
operation's request schema, the emulator's response against the schema for its status. A
route or field the bot starts using is checked from then on with no test written for it.

A deviation is (route, request|response, where, what). Those that are the description's own
looseness (real Discord is the authority) are in ``ALLOWED``, each with its reason; anything
else fails the test that made the call.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).parents[1] / "fixtures" / "discord-api-spec"
URI = "https://discord.com/openapi.json"
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class Deviation:
    route: str  # "POST /channels/{channel_id}/messages", as the description names it
    direction: str  # "request" or "response"
    where: str  # JSON path with indices folded: $.components[*].id
    what: str  # the failing keyword and the expected value, e.g. "required: id"
    value: str = ""  # the offending value, shortened (not part of the kind)

    @property
    def kind(self) -> tuple[str, str, str, str]:
        return (self.route, self.direction, self.where, self.what)

    def __str__(self) -> str:
        return f"{self.route} {self.direction} {self.where}: {self.what} (got {self.value})"


@dataclass(frozen=True, slots=True)
class Allowed:
    """A reviewed deviation: every field a regex over the Deviation's, and why."""

    route: str
    direction: str
    where: str
    what: str
    reason: str

    def covers(self, d: Deviation) -> bool:
        return all(
            re.fullmatch(pattern, value)
            for pattern, value in (
                (self.route, d.route),
                (self.direction, d.direction),
                (self.where, d.where),
                (self.what, d.what),
            )
        )


# The description's own looseness, each answered: real Discord (and discord.py) is the
# authority, the description is checked against what Discord documents elsewhere.
ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        r".*",
        "request",
        r".*",
        r"type: string \(a snowflake\)",
        "Snowflakes are strings in the description, but Discord accepts integers in requests "
        "and discord.py sends some as integers (message_reference, allowed_mentions, "
        "applied ids); the emulator reads both.",
    ),
    Allowed(
        r"POST /interactions/\{interaction_id\}/\{interaction_token\}/callback",
        "response",
        r"\$\.resource(\.type)?",
        r"required: (activity_instance|message)|enum: \[(12|4|7)\]",
        "The description's `resource` is one of three shapes (4 message created, 7 message "
        "updated, 12 activity launched), but with ?with_response=1 Discord also answers the "
        "deferred types (5, 6) with their own type; the message inside a type 4 or 7 is still "
        "checked in full.",
    ),
)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _folded(path: Iterable[str | int]) -> str:
    out = "$"
    for part in path:
        out += "[*]" if isinstance(part, int) else f".{part}"
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class Contract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(URI, resource)
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        for template in spec["paths"]:
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self.routes.append((template, re.compile(f"^{regex}$"), template))
        # Literal segments first: /users/@me before /users/{user_id}.
        self.routes.sort(key=lambda r: (r[0].count("{"), -len(r[0])))

    @classmethod
    @functools.cache
    def load(cls) -> Contract:
        with gzip.open(SPEC_DIR / "openapi.json.gz", "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def route(self, method: str, path: str) -> str | None:
        path = path.split("?", 1)[0]
        for template, regex, _ in self.routes:
            if regex.match(path) and method.lower() in self.spec["paths"][template]:
                return template
        return None

    @functools.cache  # noqa: B019 (one Contract per session)
    def _validator(self, pointer: str) -> Draft202012Validator:
        schema = {"$ref": f"{URI}#{quote(pointer, safe='/~@')}"}
        return Draft202012Validator(schema, registry=self.registry)

    def _response_pointer(self, template: str, method: str, status: int) -> str | None:
        responses = self.spec["paths"][template][method]["responses"]
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                entry = responses[key]
                base = _pointer("paths", template, method, "responses", key)
                if "$ref" in entry:
                    base = entry["$ref"].removeprefix("#")
                    entry = self._resolve(entry["$ref"])
                if "application/json" in entry.get("content", {}):
                    return base + _pointer("content", "application/json", "schema")
                return None
        return None

    def _resolve(self, ref: str) -> Any:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def check(
        self, method: str, path: str, request: Any, status: int, response: Any
    ) -> list[Deviation]:
        method = method.lower()
        template = self.route(method, path)
        route = f"{method.upper()} {template}"
        if template is None:
            return [Deviation(f"{method.upper()} {path}", "request", "$", "route not described")]
        found: list[Deviation] = []
        operation = self.spec["paths"][template][method]
        if request is not None and "requestBody" in operation:
            content = operation["requestBody"]["content"]
            if "application/json" in content:
                pointer = _pointer("paths", template, method, "requestBody", "content")
                pointer += _pointer("application/json", "schema")
                found += self._deviations(route, "request", pointer, request)
        if response is not None and status != 204:
            pointer = self._response_pointer(template, method, status)
            if pointer is None:
                found.append(Deviation(route, "response", "$", f"status {status} not described"))
            else:
                found += self._deviations(route, "response", pointer, response)
        return found

    def _deviations(
        self, route: str, direction: str, pointer: str, instance: Any
    ) -> list[Deviation]:
        errors = self._validator(pointer).iter_errors(instance)
        return [
            Deviation(route, direction, _folded(e.absolute_path), _what(e), _short(e.instance))
            for e in _leaves(errors)
        ]


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The errors that say what is wrong: inside a oneOf/anyOf, the branch meant (the one
    whose discriminating ``type`` matched, else the one with the fewest errors)."""
    for error in errors:
        snowflake = [
            e
            for e in error.context or ()
            if e.validator == "type"
            and isinstance(e.schema, dict)
            and e.schema.get("format") == "snowflake"
            and not list(e.relative_path)
        ]
        if error.validator in ("oneOf", "anyOf") and snowflake:
            yield snowflake[0]  # an id sent as an integer where null or a string is allowed
        elif error.validator in ("oneOf", "anyOf") and error.context:
            branches: dict[int, list[ValidationError]] = {}
            for sub in error.context:
                branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)

            def score(item: tuple[int, list[ValidationError]]) -> tuple[int, int]:
                discriminator_wrong = any(
                    (e.validator in ("const", "enum") and list(e.relative_path) == ["type"])
                    or (e.validator == "type" and not list(e.relative_path))
                    for e in item[1]
                )
                return (int(discriminator_wrong), len(item[1]))

            _, chosen = min(branches.items(), key=score)
            yield from _leaves(chosen)
        else:
            yield error


def _what(error: ValidationError) -> str:
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"required: {missing}"
    if keyword == "type":
        expected = error.validator_value
        if expected == "string" and schema.get("format") == "snowflake":
            return "type: string (a snowflake)"
        return f"type: {expected if isinstance(expected, str) else '|'.join(expected)}"
    if keyword == "additionalProperties":
        return f"additionalProperties: {error.message}"
    return f"{keyword}: {_short(error.validator_value)}"


def unexplained(deviations: Iterable[Deviation]) -> list[Deviation]:
    return [d for d in deviations if not any(a.covers(d) for a in ALLOWED)]


def calls_deviations(calls: Iterable[Any]) -> list[Deviation]:
    """Deviations of the emulator's recorded calls (``RecordedCall``), one per kind per call."""
    checker = Contract.load()
    found: list[Deviation] = []
    for call in calls:
        if call.status == 429 or call.status >= 500 or call.route_key.endswith(" ?"):
            # 429s and 5xx are the emulator's injected faults (their bodies are Discord's
            # error shape, not an operation's); unknown routes answer 404.
            continue
        # A request the emulator refused (400 and the like) was judged already, as Discord
        # would: what matters is a request it accepted that the description refuses.
        accepted = call.status < 400
        request = call.json if accepted and call.method in ("POST", "PUT", "PATCH") else None
        seen: set[tuple[str, str, str, str]] = set()
        for d in checker.check(call.method, call.path, request, call.status, call.response):
            if d.kind not in seen:
                seen.add(d.kind)
                found.append(d)
    return found
