"""Test helpers that need discord.py (kept out of bot/, which imports discord only in client.py)."""
