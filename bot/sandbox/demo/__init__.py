"""`drillbot demo`: a whole day offline, the real bot against the emulator."""
