"""What REST handlers share: Discord's error shape, exact JSON responses, request bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web


class ApiError(Exception):
    """Raised by handlers; answered in Discord's error shape."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.errors = errors  # Discord's nested field errors (50035 Invalid Form Body)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # Exactly "application/json": discord.py decodes nothing else.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


@dataclass
class Body:
    json: Any = None
    files: list[tuple[str, bytes, str]] = field(default_factory=list)


BODY = web.RequestKey("body", Body)


async def read_body(request: web.Request) -> Body:
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        body = Body()
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            name = part.name or ""
            if name == "payload_json":
                body.json = json.loads(data)
            else:
                ptype = part.headers.get("Content-Type", "application/octet-stream")
                body.files.append((part.filename or name, bytes(data), ptype))
        return body
    raw = await request.read()
    return Body(json=json.loads(raw) if raw else None)
