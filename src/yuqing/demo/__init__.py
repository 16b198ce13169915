"""The demo: a generated day of posts in a fictional county, for ``make run`` and benchmarks."""
