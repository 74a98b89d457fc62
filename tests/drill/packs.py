"""Pack texts the organiser tests upload: one clean, one with errors on known lines."""

from __future__ import annotations

GOOD_PACK = """\
pack: team-extra
version: 1
topics:
  - slug: onboarding
    name: Team onboarding
    aliases: [onboard]
questions:
  - id: onboarding-001
    topic: onboarding
    difficulty: easy
    kind: behavioural
    prompt: How would you get a new ML engineer productive in their first week?
    testing: Whether the candidate plans onboarding deliberately.
    key_points:
      - A small first task that ships
      - A buddy and written runbooks
      - Access sorted before day one
  - id: onboarding-002
    topic: cicd
    difficulty: medium
    kind: technical
    prompt: What would a new team member's first CI change to the model repo look like?
    testing: Whether the candidate knows a safe first change.
    key_points:
      - A test that runs on every pull request
      - Reviewed by an owner
      - Rolled out behind the existing gates
"""

# broken-001 (line 7) lacks its testing field.
BAD_PACK = """\
pack: team-broken
version: 1
topics:
  - slug: broken
    name: Broken
questions:
  - id: broken-001
    topic: broken
    difficulty: easy
    kind: technical
    prompt: Where did the testing field go?
    key_points: [one, two, three]
  - id: broken-002
    topic: nowhere
    difficulty: easy
    kind: technical
    prompt: Which topic is this?
    testing: Nothing.
    key_points: [one, two, three]
"""

SYNTAX_PACK = "pack: team-syntax\nversion: 1\ntopics:\n  - slug: x\n    aliases: [a\n"
