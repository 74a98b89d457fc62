"""For tests and the offline demo only: the fake Discord (emulator) and the demo scripts."""
