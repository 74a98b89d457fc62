"""The demo's gap report: the organiser asks where the group is weak after the day."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.sandbox.emulator import Emulator


async def gap_report(emu: Emulator, say: Any, organiser: Any, channel_id: int) -> None:
    say.line("olga", "/drill gaps weeks:1")
    asked = await organiser.slash("drill gaps", {"weeks": 1}, channel_id=channel_id)
    card = await asked.wait_followup()
    say.line("drillbot", "(only olga sees this)")
    for embed in card.embeds:
        say.embed(embed)
    _, png, _ = emu.world.blobs[int(card.attachments[0]["id"])]
    path = Path(tempfile.gettempdir()) / "drillbot-demo-gaps.png"
    path.write_bytes(png)
    say.line("", f"heatmap written to {path} ({len(png):,} bytes PNG)")
