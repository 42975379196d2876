"""Benchmarks (not tests): `python -m benchmarks.queries`."""
