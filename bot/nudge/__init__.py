"""The nudge before the reveal: a DM to members who asked and have not answered, or a role ping."""
