"""Signed links: a good one admits, and expiry, tampering, another guild's secret and a
rotated secret each refuse."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from bot.web import signing
from bot.web.signing import BadLink, Pass

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = bytes(range(32))
OTHER = bytes(range(1, 33))
GUILD = 123_456_789_012_345_678
MEMBER = 987_654_321_098_765_432


def token(role: str = "member", expires: datetime | None = None, secret: bytes = SECRET) -> str:
    until = int((expires or NOW + signing.DEFAULT_TTL).timestamp())
    return signing.sign(Pass(GUILD, MEMBER, role, until), secret)


def test_a_signed_link_carries_its_guild_member_role_and_expiry() -> None:
    grant = signing.verify(token("organiser"), SECRET, NOW, GUILD)
    assert (grant.guild_id, grant.user_id, grant.organiser) == (GUILD, MEMBER, True)
    assert grant.expires == int((NOW + timedelta(days=7)).timestamp())
    assert len(token()) == signing.TOKEN_CHARS and token().isascii()


def test_a_link_is_refused_from_the_second_it_expires() -> None:
    link = token(expires=NOW + timedelta(hours=1))
    assert signing.verify(link, SECRET, NOW + timedelta(minutes=59, seconds=59))
    with pytest.raises(BadLink):
        signing.verify(link, SECRET, NOW + timedelta(hours=1))


@pytest.mark.parametrize("position", range(signing.TOKEN_CHARS))
def test_changing_any_character_of_a_link_is_refused(position: int) -> None:
    link = token()
    swapped = "A" if link[position] != "A" else "B"
    tampered = link[:position] + swapped + link[position + 1 :]
    with pytest.raises(BadLink):
        signing.verify(tampered, SECRET, NOW, GUILD)


def test_a_member_link_cannot_be_turned_into_an_organiser_link() -> None:
    _, payload, mac = signing.parse(token("member"))
    forged = bytearray(payload)
    forged[17] = 1  # the role byte
    text = base64.urlsafe_b64encode(bytes(forged) + mac).decode().rstrip("=")
    with pytest.raises(BadLink):
        signing.verify(text, SECRET, NOW)


def test_a_rotated_secret_refuses_every_earlier_link() -> None:
    with pytest.raises(BadLink):
        signing.verify(token(secret=SECRET), OTHER, NOW)


def test_a_link_for_another_guild_is_refused() -> None:
    # Signed with the right secret but naming another guild than the one asked about...
    with pytest.raises(BadLink):
        signing.verify(token(), SECRET, NOW, guild_id=GUILD + 1)
    # ...and a payload edited to name another guild no longer matches its signature.
    _, payload, mac = signing.parse(token())
    other = payload[:1] + (GUILD + 1).to_bytes(8, "big") + payload[9:]
    text = base64.urlsafe_b64encode(other + mac).decode().rstrip("=")
    with pytest.raises(BadLink):
        signing.verify(text, SECRET, NOW)


@pytest.mark.parametrize("text", ["", "x" * 56, "A" * 55, "é" * 56, token() + "A", "../" * 19])
def test_malformed_links_are_refused(text: str) -> None:
    with pytest.raises(BadLink):
        signing.verify(text, SECRET, NOW)
