"""Commands a member runs outside the servers the bot is in (bot/sandbox/emulator/contexts.py):
mixed into the driver's MemberHandle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.emulator import contexts
from bot.sandbox.emulator.interactions import Interaction, build_command_data, find_command

Json = dict[str, Any]


class OutsideCommands:
    emu: Any
    user: Any
    if TYPE_CHECKING:  # MemberHandle's

        def _start(
            self, kind: int, channel_id: int, data: Json, message: Any = None
        ) -> Interaction: ...

    async def slash_in_dm(self, command: str, options: Json | None = None) -> Interaction:
        """Run a command in the member's DM with the bot (the app installed to the member)."""
        channel = contexts.dm_channel(self.emu, self.user)
        return self._outside(channel.id, contexts.BOT_DM, command, options)

    async def slash_elsewhere(
        self, place: contexts.Elsewhere, command: str, options: Json | None = None
    ) -> Interaction:
        """Run a command in a server without the bot, through the app installed to the member."""
        return self._outside(place.channel.id, contexts.GUILD, command, options)

    def _outside(self, channel_id: int, context: int, command: str, options: Any) -> Interaction:
        cmd = find_command(self.emu, 0, command.split()[0])
        contexts.check_offered(cmd, context, contexts.USER_INSTALL)
        inter = self._start(2, channel_id, build_command_data(self.emu, 0, command, options or {}))
        inter.name = command
        return inter
