"""Run the emulator on its own for an offline demo: `python -m bot.sandbox.emulator`.

It seeds one guild (#daily, members ana and ben) and logs the URLs and token a client needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.sandbox.emulator.server import Emulator

log = logging.getLogger("bot.sandbox.emulator")


async def serve(guild_name: str, refuse: list[str]) -> None:
    async with Emulator() as emu:
        for spec in refuse:
            name, _, reason = spec.partition(":")
            emu.refused_commands[name] = ("description", reason or "Invalid command")
        guild = emu.create_guild(guild_name)
        daily = guild.create_text_channel("daily")
        guild.add_member("ana")
        guild.add_member("ben")
        log.info("api_base=%s gateway=%s", emu.api_base, emu.gateway_url)
        log.info("token=%s guild=%s daily=%s", emu.token, guild.id, daily.id)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Discord for offline runs")
    parser.add_argument("--guild", default="Study group")
    parser.add_argument(
        "--refuse-command",
        action="append",
        default=[],
        metavar="NAME:REASON",
        help="refuse the command upload for this command, as Discord refuses an invalid one",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.guild, args.refuse_command))


if __name__ == "__main__":
    main()
