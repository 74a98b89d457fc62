"""Personal study plans and their reminders."""
