"""The demo's news articles come from sites whose category is their outlets' kind.

The console listed the demo's one news site, "新闻网站（央媒、地方与境外媒体）", under 其他
(other): a source has one category, and one site carrying central, local and overseas
outlets alike could have no other. Detection reads a post's outlet kind from its source,
so the articles of 华夏日报 or 江州日报 counted as no media pick-up at all. Each kind of
outlet now publishes on a site of its own kind.
"""

from __future__ import annotations

import pytest

from yuqing.core.posts import SourceCategory
from yuqing.demo.scenario import generate_scenario
from yuqing.runtime.demo import DEMO_SOURCES

Post = dict[str, object]
CATEGORY_OF = {slug: category for slug, _, category in DEMO_SOURCES}
MEDIA = {"central_media", "local_media", "overseas_media"}


@pytest.fixture(scope="module")
def posts() -> list[Post]:
    return generate_scenario(seed=7)


def test_every_post_comes_from_a_source_the_demo_lists(posts: list[Post]) -> None:
    assert {str(p["source"]) for p in posts} <= set(CATEGORY_OF)


def test_a_news_article_s_site_has_its_outlet_s_category(posts: list[Post]) -> None:
    articles = [p for p in posts if p["url"]]  # only news sites link their articles
    assert {str(p["source_category"]) for p in articles} == MEDIA
    for post in articles:
        assert CATEGORY_OF[str(post["source"])] == post["source_category"], post


def test_no_demo_source_is_listed_as_other() -> None:
    for slug, name, category in DEMO_SOURCES:
        assert SourceCategory(category) is not SourceCategory.OTHER, (slug, name)
    names = [name for _, name, _ in DEMO_SOURCES]
    assert len(set(names)) == len(names)
    assert "央媒新闻网站" in names and "境外媒体网站" in names
