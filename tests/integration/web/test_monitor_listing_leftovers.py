"""The console's monitors: one whose stored query no longer compiles is shown as not run."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.integration.api import test_app
from tests.integration.monitor_states import store_monitors_in_three_states

from yuqing.runtime.context import Context

ctx = test_app.ctx
client = test_app.client


def _monitors_table(page: str, heading: str = "监测方案") -> str:
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]


def _name(row: str) -> str:
    found = re.search(r"<bdi>([^<]*)</bdi>", row)
    assert found is not None, row
    return found.group(1)


def test_the_console_shows_a_monitor_that_is_not_run_and_why_escaped(
    ctx: Context, client: TestClient
) -> None:
    # The page called it nothing at all, as if it ran; ingestion skips it.
    store_monitors_in_three_states(
        ctx, "旧方案", "新方案", "停方案", '化工 AND (<script>alert("x")</script>'
    )
    page = client.get("/").text
    table = _monitors_table(page)
    rows = {
        _name(row): row
        for row in re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)
    }
    old = rows["旧方案"]
    assert 'class="failing"' in old and '<td class="state">未运行</td>' in old
    # The reason in Chinese on the Chinese page (it was the parser's English sentence).
    assert "检索式已无法解析" in old and "括号不配对" in old and "unbalanced" not in old
    assert "<script>" not in page and "&lt;script&gt;" in old
    assert '<td class="state">运行中</td>' in rows["新方案"]
    assert '<td class="state">已暂停</td>' in rows["停方案"]
    english = _monitors_table(client.get("/", params={"lang": "en"}).text, "Monitors")
    assert '<td class="state">Not run</td>' in english
    assert "Its query no longer compiles, so it is not run" in english
    assert "unbalanced parenthesis" in english
