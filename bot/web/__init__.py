"""The web board: read-only pages beside the bot (boards, a member's progress, the organiser's
gap heatmap), reached only by signed links that /board hands out. No discord import: the cog
in cogs/web.py is the glue, bot/app.py builds the service and the server."""
