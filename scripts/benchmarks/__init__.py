"""Benchmarks run by ``scripts/bench [suite]``; each suite writes its figures to one JSON file."""
