"""Command line: `recoupe ...` (see `recoupe --help`)."""
