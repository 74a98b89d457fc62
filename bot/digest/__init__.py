"""The weekly digest: last week's leaders, streaks, the hardest question and next week's focus."""
