"""A link under relative xml:bases is known by one reference relative to the feed's URL:
resolved against any URL, it is the link the bases and the link resolve to one after the
other (as feedparser resolves them), ".." included."""

from __future__ import annotations

import itertools

import pytest

from yuqing.sources.rss import _composed, resolved_uri

DOCUMENTS = [
    "http://h/",
    "http://h/feed.xml",
    "http://h/a/feed.xml",
    "http://h/a/b/c/feed.xml?x=1",
    "https://h:8/a/b/",
]
REFERENCES = [
    "/news/",
    "news/",
    "../x/",
    "../../y/",
    "./",
    "..",
    "a/..",
    "2026/./",
    "?p=1",
    "#f",
    "//cdn.example.org/z/",
    "1.html",
    "../1.html",
    "a/b/../../../c",
    "/a/../../b",
    "q/r?s=1#t",
    "..//x",
    "./a:b",
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_bases_composed_resolve_as_they_do_one_after_the_other(document: str) -> None:
    for outer, inner, link in itertools.product(REFERENCES, repeat=3):
        written = _composed(_composed(_composed("", outer) or "", inner) or "", link)
        assert written is not None
        expected = resolved_uri(resolved_uri(resolved_uri(document, outer), inner), link)
        assert resolved_uri(document, written) == expected, (outer, inner, link)


def test_what_the_feed_wrote_is_kept_in_the_reference() -> None:
    assert _composed("/news/", "2026/1.html") == "/news/2026/1.html"
    assert _composed(_composed("", "../shared/") or "", "../../top/") == "../../top/"
    assert _composed("../shared/", "2026/./3.html?a=1") == "../shared/2026/3.html?a=1"
    assert _composed("//cdn.example.org/z/", "1.html") == "//cdn.example.org/z/1.html"
    # A scheme makes the link the same wherever the feed is: no reference to keep.
    assert _composed("/news/", "http://site.example.org/1.html") is None
    assert _composed("http://site.example.org/", "1.html") is None
