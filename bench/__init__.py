"""Benchmarks: they print figures; goals are checked by reading them, not by timed tests."""
