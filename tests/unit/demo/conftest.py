"""The demo's generated day, for the tests of its realism (two seeds)."""

from __future__ import annotations

import pytest
from tests.unit.demo.demo_posts import Post

from yuqing.demo.scenario import generate_scenario


@pytest.fixture(scope="module", params=[7, 8])
def posts(request: pytest.FixtureRequest) -> list[Post]:
    return generate_scenario(seed=request.param)
