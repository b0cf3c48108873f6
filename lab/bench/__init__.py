"""Benchmarks that print figures (`recoupe bench ...`). Speed goals are
checked here, never by timed tests."""
