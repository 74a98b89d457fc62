"""Errors the core raises. ``DrillError``'s message is shown to the member as is."""

from __future__ import annotations

from datetime import UTC, datetime

WHEN = "{when}"


class DrillError(Exception):
    """Something the member or organiser can fix; the text is one friendly sentence.

    A moment in it is not written out by the core: the text says ``{when}`` and ``when`` holds
    the datetime, which the glue shows in each reader's own time zone (cogs/render.py
    ``refusal``). ``str()`` writes it in UTC, for logs and anything without the glue."""

    def __init__(self, *args: object, when: datetime | None = None) -> None:
        super().__init__(*args)
        self.when = when

    @property
    def text(self) -> str:
        """The sentence with ``{when}`` where the moment goes."""
        return super().__str__()

    def __str__(self) -> str:
        if self.when is None:
            return self.text
        return self.text.replace(WHEN, f"{self.when.astimezone(UTC):%Y-%m-%d %H:%M} UTC")


class NotAllowed(DrillError):
    """The member may not do this (e.g. change settings without the organiser role)."""


class PublishError(Exception):
    """A Discord action failed. Raised by the glue, handled by the core."""


class MissingPermissions(PublishError):
    """403: the bot lacks a permission. Never retried in a loop."""

    def __init__(self, what: str, channel_id: int | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.channel_id = channel_id


class TransientFailure(PublishError):
    """5xx, a timeout, or a rate limit too long to wait for now: retry later."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.retry_after = retry_after


class Gone(PublishError):
    """The channel, thread or message no longer exists (404)."""


class CommandSyncRefused(Exception):
    """Discord refused the slash-command upload at start; the text is one line naming the
    command and Discord's reason (`drillbot run` exits 9 with it)."""
