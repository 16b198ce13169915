"""Reading labelled files for evaluation: posts without words are kept, not rejected."""

from __future__ import annotations

import json

from yuqing.core.posts import PostRecord
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import JsonLinesFile

# parse_post_record's message for an object with neither text nor title.
_NO_TEXT = "text: missing or empty"


class EvaluationLines(JsonLinesFile):
    """A JSON Lines file read as an import is, keeping objects that have no text.

    Evaluation sets label posts that have no words of their own, and assignment files
    carry no text at all: such an object comes back as a ``Located`` record with empty
    text and the object in ``raw``. Every other problem is a ``Rejection`` as on import.
    """

    def _parse(self, text: str, location: str) -> Item:
        item = super()._parse(text, location)
        if isinstance(item, Rejection) and item.problem == _NO_TEXT:
            # The line decoded once already, to an object that only lacks text.
            return Located(PostRecord(text="", raw=json.loads(text)), location)
        return item
