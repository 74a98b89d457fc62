"""Signed links: who may look, at which guild, as what, until when.

A token is ``base64url(payload || mac)``: the payload packs a version, the guild, the member,
the role (member or organiser) and the expiry (Unix seconds); the MAC is HMAC-SHA256 over a
domain tag and the payload, with the guild's own secret, cut to 16 bytes. The ids in a link are
exactly what the signature covers. Rotating a guild's secret voids every link at once; a link
whose payload names another guild is checked with that guild's secret, so it fails too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

VERSION = 1
DEFAULT_TTL = timedelta(days=7)
ROLES = ("member", "organiser")
_TAG = b"drillbot-web-link\x00"
_PAYLOAD = struct.Struct(">BQQBQ")  # version, guild, member, role, expires
_MAC_BYTES = 16
TOKEN_CHARS = 56  # base64url of 42 bytes, no padding


class BadLink(Exception):
    """Refused: malformed, tampered, expired, rotated or for a board that is off. Pages say
    the same thing whichever it was."""


@dataclass(frozen=True, slots=True)
class Pass:
    guild_id: int
    user_id: int
    role: str  # "member" | "organiser"
    expires: int  # Unix seconds

    @property
    def organiser(self) -> bool:
        return self.role == "organiser"


def _mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, _TAG + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(grant: Pass, secret: bytes) -> str:
    payload = _PAYLOAD.pack(
        VERSION, grant.guild_id, grant.user_id, ROLES.index(grant.role), grant.expires
    )
    return base64.urlsafe_b64encode(payload + _mac(payload, secret)).decode().rstrip("=")


def expiry(now: datetime, ttl: timedelta = DEFAULT_TTL) -> int:
    return int((now + ttl).timestamp())


def parse(token: str) -> tuple[Pass, bytes, bytes]:
    """The claimed pass, its payload and MAC, before any check: the guild it names says
    which secret to check it with. Raises BadLink for anything malformed."""
    if len(token) != TOKEN_CHARS or not token.isascii():
        raise BadLink("malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        raise BadLink("malformed") from None
    if len(raw) != _PAYLOAD.size + _MAC_BYTES:
        raise BadLink("malformed")
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    version, guild_id, user_id, role, expires = _PAYLOAD.unpack(payload)
    if version != VERSION or role >= len(ROLES):
        raise BadLink("malformed")
    return Pass(guild_id, user_id, ROLES[role], expires), payload, mac


def verify(token: str, secret: bytes, now: datetime, guild_id: int | None = None) -> Pass:
    """The pass a token carries, if ``secret`` signed it, it has not expired and (when given)
    it is for ``guild_id``. Raises BadLink otherwise."""
    grant, payload, mac = parse(token)
    if not hmac.compare_digest(mac, _mac(payload, secret)):
        raise BadLink("bad signature")
    if guild_id is not None and grant.guild_id != guild_id:
        raise BadLink("another guild")
    if grant.expires <= now.timestamp():
        raise BadLink("expired")
    return grant
