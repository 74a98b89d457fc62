"""Leaderboards, scoring rules, a member's stats and chart, hiding and forget-me."""
