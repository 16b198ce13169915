"""Tables of detection: events, their posts and the occurrences detection emits.

Defined on the same ``metadata`` as ``schema.py``; migrations import both.
"""

from __future__ import annotations

from yuqing.storage.schema import metadata

__all__ = ["metadata"]
