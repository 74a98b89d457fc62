"""`drillbot invite`: the invite URL with the exact permissions the features need, and why.

The application id comes from ``--client-id`` or, offline, from the token itself (its first
part is the bot's user id in base64, and a bot's user id is its application's id).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from bot.organiser.permissions import NEEDS, invite_permissions

SCOPES = "bot applications.commands"


def client_id_from_token(token: str) -> str | None:
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(client_id: str) -> str:
    query = {"client_id": client_id, "scope": SCOPES, "permissions": str(invite_permissions())}
    return "https://discord.com/oauth2/authorize?" + urlencode(query)


def invite_text(client_id: str) -> str:
    width = max(len(n.label) for n in NEEDS)
    lines = [
        invite_url(client_id),
        "",
        f"Permissions {invite_permissions()} (scopes: {SCOPES}), in the question channel:",
    ]
    for need in NEEDS:
        when = "" if need.always else "(optional) "
        lines.append(f"  {need.label:<{width}}  {when}{need.feature}")
    lines += [
        "",
        "Also in the developer portal: Bot > Message Content Intent on (answers arrive empty",
        "without it); Bot > Public Bot off, so only you can add it to a server.",
    ]
    return "\n".join(lines)
