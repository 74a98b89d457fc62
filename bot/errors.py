"""Errors the core raises. ``DrillError``'s message is shown to the member as is."""

from __future__ import annotations


class DrillError(Exception):
    """Something the member or organiser can fix; the text is one friendly sentence."""


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
