"""On-demand practice: /quiz, /review and spaced repetition."""
