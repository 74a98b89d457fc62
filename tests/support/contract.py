"""Discord's own API description as a contract for the emulator and the bot (issue 22.2).

Every REST call an emulator test records is checked against Discord's official OpenAPI
description (tests/fixtures/discord-api-spec/, MIT): the bot's request body against the
operation's request schema, the emulator's response against the schema for its status. A
route or field the bot starts using is checked from then on with no test written for it.

Gateway dispatches too: the description has no gateway schemas, so each event's embedded
objects (a message, thread, channel, guild, member, user, role) are checked against the REST
schemas Discord documents them as, the interaction envelope against the types the description
defines for it, and every id against the snowflake string type (``check_event``). Emulators
in other processes write what they did to EMULATOR_CONTRACT_LOG (bot/sandbox/emulator/
record.py); the tests' fixture reads it, and ``python -m tests.support.contract FOLDER``
checks a benchmark's.

A deviation is (route, request|response, where, what). Those that are the description's own
looseness (real Discord is the authority) are in ``ALLOWED``, each with its reason; anything
else fails the test that made the call.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
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
    Allowed(
        r".*",
        "response",
        r"\$\.errors(\..+)?",
        r".*",
        "A refused field's `_errors` carry string codes (BASE_TYPE_BAD_LENGTH, as in Discord's "
        "documented error example, and as discord.py reads them); the description types "
        "Error.code as an integer for the top-level code and the field codes alike. Found by "
        "the check of the emulator run as its own process (--refuse-command).",
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
        self._judged: dict[tuple[int, str, str, str, str], list[Deviation]] = {}
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
        self, route: str, direction: str, pointer: str, instance: Any, prefix: str = "$"
    ) -> list[Deviation]:
        return self._errors(route, direction, self._validator(pointer), instance, prefix)

    def _errors(
        self,
        route: str,
        direction: str,
        validator: Draft202012Validator,
        instance: Any,
        prefix: str = "$",
    ) -> list[Deviation]:
        # Validating against Discord's description (deep oneOf unions) took most of the suite's
        # time: a payload of the same form as one already judged is judged the same (its form:
        # every snowflake one mark, every other value itself, a long text by its length).
        key = (id(validator), route, direction, prefix, _form(instance))
        found = self._judged.get(key)
        if found is None:
            found = self._judge(route, direction, validator, instance, prefix)
            self._judged[key] = found
        return found

    def _judge(
        self,
        route: str,
        direction: str,
        validator: Draft202012Validator,
        instance: Any,
        prefix: str,
    ) -> list[Deviation]:
        return [
            Deviation(
                route,
                direction,
                prefix + _folded(e.absolute_path)[1:],
                _what(e),
                _short(e.instance),
            )
            for e in _leaves(validator.iter_errors(instance))
        ]

    @functools.cache  # noqa: B019 (one Contract per session)
    def _inline(self, schema: str) -> Draft202012Validator:
        return Draft202012Validator(json.loads(schema), registry=self.registry)

    def check_event(self, event: str, data: Any) -> list[Deviation]:
        """A gateway dispatch's embedded objects against their REST schemas (see embedded())."""
        route = f"GATEWAY {event}"
        found: list[Deviation] = []
        for where, schema, instance in embedded(event, data):
            if instance is None:
                found.append(Deviation(route, "event", where, "missing"))
            elif isinstance(schema, str):
                pointer = _pointer("components", "schemas", schema)
                found += self._deviations(route, "event", pointer, instance, where)
            else:
                validator = self._inline(json.dumps(schema, sort_keys=True))
                found += self._errors(route, "event", validator, instance, where)
        for where, value in _loose_ids(data):
            found.append(
                Deviation(route, "event", where, "type: string (a snowflake)", _short(value))
            )
        return found


_SNOWFLAKE_TEXT = re.compile(r"^(0|[1-9][0-9]{5,19})$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


def _form(instance: Any) -> str:
    """What validation depends on, as a key: snowflakes (strings or large integers) and ISO
    timestamps become one mark each; a text longer than 24 characters only its length (enums,
    codes and names short enough to matter stay themselves); everything else stays itself."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            if _SNOWFLAKE_TEXT.match(value):
                return "<snowflake>"
            if _TIMESTAMP.match(value):
                return "<timestamp>"
            return value if len(value) <= 24 else f"<text {len(value)}>"
        if isinstance(value, int) and not isinstance(value, bool) and value > 2**40:
            return "<int snowflake>"
        return value

    return json.dumps(walk(instance), sort_keys=True)


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


# -- gateway events ----------------------------------------------------------------------------
# The vendored description covers REST only: it has no schema for a gateway dispatch (no
# MESSAGE_CREATE, INTERACTION_CREATE, READY ...). Each event's embedded objects are the REST
# objects Discord documents them as, so those are checked against the REST component schemas;
# the interaction's own envelope, which REST never returns, against the fields the description
# does define for it (snowflakes, InteractionTypes, InteractionContextType); and every id in
# every event is a snowflake string, as in REST.
_C = f"{URI}#/components/schemas/"
_SNOWFLAKE = {"$ref": _C + "SnowflakeType"}
_MAYBE_SNOWFLAKE = {"oneOf": [{"type": "null"}, _SNOWFLAKE]}
INTERACTION_ENVELOPE = {
    "type": "object",
    "required": ["id", "application_id", "type", "token", "version"],
    "properties": {
        "id": _SNOWFLAKE,
        "application_id": _SNOWFLAKE,
        "type": {"$ref": _C + "InteractionTypes"},
        "guild_id": _SNOWFLAKE,
        "channel_id": _SNOWFLAKE,
        "token": {"type": "string"},
        "version": {"const": 1},
        "app_permissions": {"type": "string", "pattern": "^[0-9]+$"},
        "locale": {"type": "string"},
        "guild_locale": {"type": "string"},
        "context": {"$ref": _C + "InteractionContextType"},
        "entitlements": {"type": "array"},
        "authorizing_integration_owners": {
            "type": "object",
            "propertyNames": {"enum": ["0", "1"]},
            "additionalProperties": _SNOWFLAKE,
        },
    },
}
_CHANNEL_BY_TYPE = {1: "PrivateChannelResponse", 3: "PrivateGroupChannelResponse"}
_THREADS = (10, 11, 12)
_MEMBER_EVENTS = ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE")


def _channel_schema(channel: Any) -> str:
    kind = channel.get("type") if isinstance(channel, dict) else None
    if kind in _THREADS:
        return "ThreadResponse"
    return _CHANNEL_BY_TYPE.get(kind, "GuildChannelResponse")  # type: ignore[arg-type]


def embedded(event: str, data: Any) -> Iterator[tuple[str, str | dict[str, Any], Any]]:
    """(JSON path, schema: a REST component's name or an inline schema, object) for each
    object in the event that the description has a schema for."""
    if not isinstance(data, dict):
        return
    if event == "READY":
        yield "$.user", "UserResponse", data.get("user")
    elif event == "GUILD_CREATE":
        yield "$", "GuildResponse", data
        for channel in data.get("channels", []):
            yield "$.channels[*]", _channel_schema(channel), channel
        for thread in data.get("threads", []):
            yield "$.threads[*]", "ThreadResponse", thread
        for member in data.get("members", []):
            yield "$.members[*]", "GuildMemberResponse", member
    elif event in ("CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"):
        yield "$", _channel_schema(data), data
    elif event in ("THREAD_CREATE", "THREAD_UPDATE"):
        yield "$", "ThreadResponse", data
    elif event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
        yield "$", "MessageResponse", data
        if "member" in data:
            yield "$.member", "GuildMemberResponse", {"user": data.get("author"), **data["member"]}
    elif event in ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"):
        yield "$.emoji", "MessageReactionEmojiResponse", data.get("emoji")
        if "member" in data:
            yield "$.member", "GuildMemberResponse", data["member"]
    elif event == "INTERACTION_CREATE":
        yield "$", INTERACTION_ENVELOPE, data
        if "member" in data:
            yield "$.member", "PrivateGuildMemberResponse", data["member"]
        if "user" in data:
            yield "$.user", "UserResponse", data["user"]
        if "message" in data:
            yield "$.message", "MessageResponse", data["message"]
        if "channel" in data:
            yield "$.channel", _channel_schema(data["channel"]), data["channel"]
        resolved = (data.get("data") or {}).get("resolved") or {}
        for user in (resolved.get("users") or {}).values():
            yield "$.data.resolved.users[*]", "UserResponse", user
    elif event in _MEMBER_EVENTS or event == "GUILD_MEMBER_REMOVE":
        if event in _MEMBER_EVENTS:
            yield "$", "GuildMemberResponse", data
        else:
            yield "$.user", "UserResponse", data.get("user")
    elif event in ("GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE"):
        yield "$.role", "GuildRoleResponse", data.get("role")
    elif event == "GUILD_MEMBERS_CHUNK":
        for member in data.get("members", []):
            yield "$.members[*]", "GuildMemberResponse", member
    elif event == "THREAD_LIST_SYNC":
        for thread in data.get("threads", []):
            yield "$.threads[*]", "ThreadResponse", thread


_NOT_SNOWFLAKES = frozenset({"custom_id", "session_id", "nonce"})


def _snowflake(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.isdigit())


def _loose_ids(
    value: Any, path: str = "$", in_components: bool = False
) -> Iterator[tuple[str, Any]]:
    """Every ``id``/``*_id`` (and ``*_ids`` item) that is not a snowflake string or null. A
    component's ``id`` is an integer by design (its place in the message), not a snowflake."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            snowflake_key = key.endswith("_id") or (key == "id" and not in_components)
            if snowflake_key and key not in _NOT_SNOWFLAKES and not _snowflake(item):
                yield where, item
            elif key.endswith("_ids") and isinstance(item, list):
                yield from ((where + "[*]", one) for one in item if not _snowflake(one))
            else:
                yield from _loose_ids(item, where, in_components or key == "components")
    elif isinstance(value, list):
        for item in value:
            yield from _loose_ids(item, path + "[*]", in_components)


def unexplained(deviations: Iterable[Deviation]) -> list[Deviation]:
    return [d for d in deviations if not any(a.covers(d) for a in ALLOWED)]


def events_deviations(events: Iterable[tuple[str, Any]]) -> list[Deviation]:
    """Deviations of the gateway dispatches an emulator sent, one per kind per event."""
    checker = Contract.load()
    found: list[Deviation] = []
    for event, data in events:
        seen: set[tuple[str, str, str, str]] = set()
        for d in checker.check_event(event, data):
            if d.kind not in seen:
                seen.add(d.kind)
                found.append(d)
    return found


def read_log(path: Path) -> tuple[list[Any], list[tuple[str, Any]]]:
    """The calls and events an emulator in another process wrote (bot/sandbox/emulator/
    record.py); a last line cut short by a killed process is skipped."""
    calls: list[Any] = []
    events: list[tuple[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "call" in entry:
            method, where, route_key, status, sent, got = entry["call"]
            calls.append(SimpleNamespace(
                method=method, path=where, route_key=route_key, status=status, json=sent,
                response=got,
            ))  # fmt: skip
        elif "event" in entry:
            events.append((entry["event"][0], entry["event"][1]))
    return calls, events


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


def main(argv: list[str]) -> int:
    """`python -m tests.support.contract FOLDER`: check the logs emulators in other processes
    wrote there (run a benchmark with EMULATOR_CONTRACT_LOG=FOLDER first); exit 1 on any
    deviation not allowed with a reason."""
    bad: set[str] = set()
    for path in sorted(Path(argv[0]).glob("*.jsonl")):
        calls, events = read_log(path)
        found = unexplained(calls_deviations(calls) + events_deviations(events))
        out = f"{path.name}: {len(calls)} calls, {len(events)} events, {len(found)} deviations\n"
        sys.stdout.write(out)
        bad |= {str(d) for d in found}
    sys.stdout.writelines(f"{line}\n" for line in sorted(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
