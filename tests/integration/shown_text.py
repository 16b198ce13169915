"""What must never reach a page or an answer, and every string of an answer to look in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# C0 and C1 controls but newline and tab, DEL, the line and paragraph separators and the
# bidi embeddings, overrides, isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def strings(value: Any) -> Iterator[str]:
    """Every string of a JSON value, its objects' keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
