"""The daily question: posting, the answer log and group commit, blind answers, revealing."""
