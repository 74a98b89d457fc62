"""One base for the bot's persistent buttons (``Press``).

A button that outlives a restart carries only ids in its custom id; the rest is read from the
database when it is pressed. Each button declares, once, its custom id with typed fields and the
kind of bot/ownership.py it is::

    class SkipButton(QuizPress, custom_id="drill:quiz:skip:{session_id}", kind="quiz.skip"):
        session_id: int
        label = "Skip"

        async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
            await cog.press_skip(interaction, self.session_id)

The base builds the template discord.py routes by, parses the ids back (``int`` fields as
integers, ``str`` fields as text; ``{name:regex}`` narrows a field), checks the press against
the declared kind (a crafted id naming another guild's or member's thing is refused with one
private sentence), finds the cog that handles it, and turns a refusal or a failure into one
private reply. Fields the custom id does not name (a page button's label) only shape the look.
A family base (no ``custom_id``) names the cog and what to say while it is not loaded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar, dataclass_transform

import discord
from discord import ui

from bot.ownership import KINDS, Kind
from cogs.owned import owned
from cogs.render import guarded, reply

log = logging.getLogger(__name__)
H = TypeVar("H")
FIELD = re.compile(r"\{(?P<name>\w+)(?::(?P<regex>(?:[^{}]|\{[\d,]+\})+))?\}")
DEFAULT_REGEX = {"int": r"\d+", "str": r"\S{1,80}"}
SAMPLE = {"int": "1", "str": "w"}
NEVER = r"(?!)"  # the template of a family base: matches no custom id


def _type_name(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")


@dataclass_transform(kw_only_default=False)
class Press(ui.DynamicItem[ui.Button[Any]], Generic[H], template=NEVER):
    """A persistent button: see the module's docstring."""

    cog: ClassVar[str] = ""
    unavailable: ClassVar[str] = "That is unavailable right now; try again in a minute."
    kind: ClassVar[Kind]
    custom_id_format: ClassVar[str]
    ids: ClassVar[tuple[str, ...]] = ()  # the fields the custom id carries, in its order
    fields: ClassVar[tuple[tuple[str, str, Any], ...]] = ()  # (name, type, default) of all
    label: ClassVar[str | None] = None
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    emoji: ClassVar[str | None] = None
    # A look per value of one field: ("grade", {1: ("Again", danger), ...}).
    looks: ClassVar[tuple[str, Mapping[Any, tuple[str, discord.ButtonStyle]]] | None] = None

    def __init_subclass__(
        cls, *, custom_id: str | None = None, kind: str | None = None, **family: Any
    ) -> None:
        for key, value in family.items():  # cog=, unavailable= of a family base
            setattr(cls, key, value)
        if custom_id is None:
            super().__init_subclass__(template=NEVER)
            return
        cls.fields = tuple(_fields(cls))
        types = {name: kind_ for name, kind_, _ in cls.fields}
        template, sample, ids = _compile(custom_id, types)
        super().__init_subclass__(template=template)
        cls.custom_id_format, cls.ids = custom_id, ids
        cls.kind = _declared_kind(cls.__name__, kind, sample)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = [name for name, _, _ in self.fields]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} arguments")
        values = dict(zip(names, args, strict=False))
        for name, _, default in self.fields:
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif name not in values:
                if default is _MISSING:
                    raise TypeError(f"{type(self).__name__} needs {name}")
                values[name] = default
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unknown {sorted(kwargs)}")
        for name, value in values.items():
            setattr(self, name, value)
        custom_id = FIELD.sub(lambda m: str(values[m["name"]]), self.custom_id_format)
        super().__init__(self.button(custom_id))

    def button(self, custom_id: str) -> ui.Button[Any]:
        """The button as shown; ``looks`` or an override for a look that depends on fields."""
        label, style = self.label, self.style
        if self.looks is not None:
            field, table = self.looks
            label, style = table[getattr(self, field)]
        return ui.Button(label=label, style=style, emoji=self.emoji, custom_id=custom_id)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> Press[H]:
        types = {name: kind_ for name, kind_, _ in cls.fields}
        return cls(**{name: _parse(types[name], match[name]) for name in cls.ids})

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """The press may act on what the custom id names, as its declared kind checks it
        (presses on messages sent before a restart too: discord.py runs this first)."""
        return await owned(interaction, self.kind)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # Looked up per press rather than captured, so a reloaded cog is picked up.
        cog = interaction.client.get_cog(self.cog)
        if cog is None:
            await reply(interaction, self.unavailable)
            return
        async with guarded(interaction, type(self).__name__):
            await self.pressed(cog, interaction)

    async def pressed(self, cog: H, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


def _fields(cls: type) -> list[tuple[str, str, Any]]:
    """Every annotated instance field of the class and its bases, bases first."""
    out: dict[str, tuple[str, str, Any]] = {}
    for klass in reversed(cls.__mro__):
        if not issubclass(klass, Press):
            continue
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            type_name = _type_name(annotation)
            if type_name.startswith(("ClassVar", "typing.ClassVar")):
                continue
            out[name] = (name, type_name, vars(klass).get(name, _MISSING))
    return list(out.values())


def _compile(custom_id: str, types: dict[str, str]) -> tuple[str, str, tuple[str, ...]]:
    """The template, a sample custom id and the id fields of a custom id format."""
    template, sample, ids, end = "", "", [], 0
    for m in FIELD.finditer(custom_id):
        name, literal = m["name"], re.escape(custom_id[end : m.start()])
        if types.get(name) not in DEFAULT_REGEX:
            raise TypeError(f"{custom_id}: {name} must be a field typed int or str")
        regex = m["regex"] or DEFAULT_REGEX[types[name]]
        template += f"{literal}(?P<{name}>{regex})"
        sample += custom_id[end : m.start()] + _sample(regex, types[name])
        ids.append(name)
        end = m.end()
    template += re.escape(custom_id[end:])
    return template, sample + custom_id[end:], tuple(ids)


def _sample(regex: str, type_name: str) -> str:
    if re.fullmatch(regex, SAMPLE[type_name]):
        return SAMPLE[type_name]
    for word in re.split(r"[|\[\]\-]", regex):  # "yes|no" -> yes, "[1-4]" -> 1
        if word and re.fullmatch(regex, word):
            return word
    raise TypeError(f"no sample for {regex}")


def _declared_kind(owner: str, name: str | None, sample: str) -> Kind:
    """The kind of bot/ownership.py the button declares; its ids must be that kind's only."""
    kind = next((k for k in KINDS if k.name == name and not k.modal), None)
    if kind is None:
        raise TypeError(f"{owner}: {name!r} is not a button kind of bot/ownership.py KINDS")
    if not kind.pattern.fullmatch(sample):
        raise TypeError(f"{owner}: {sample} is not of kind {name}")
    return kind


def _parse(type_name: str, text: str) -> Any:
    return int(text) if type_name == "int" else text
