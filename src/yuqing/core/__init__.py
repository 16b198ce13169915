"""The shared domain types: posts, sources, stories, monitors, clocks.

Nothing here imports storage, web or network code; see ``tests/unit/test_layering.py``.
"""
