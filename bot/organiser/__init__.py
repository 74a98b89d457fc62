"""Organiser controls: setup, status, a guild's own packs, reports."""
