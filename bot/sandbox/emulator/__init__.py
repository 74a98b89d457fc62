"""A protocol-level fake Discord (REST v10 + gateway) for tests and the offline demo.

It never imports discord: the real discord.py client connects to it over 127.0.0.1.
"""

from bot.sandbox.emulator.driver import DriverError, GuildHandle, MemberHandle
from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.server import ApiError, Emulator, RecordedCall
from bot.sandbox.emulator.state import Channel, Message, Role, User

__all__ = [
    "ApiError",
    "Channel",
    "DriverError",
    "Emulator",
    "GuildHandle",
    "Interaction",
    "MemberHandle",
    "Message",
    "RecordedCall",
    "Role",
    "User",
]
