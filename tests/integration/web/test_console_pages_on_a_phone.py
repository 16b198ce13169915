"""The incidents table and the event and incident pages on a phone: cards, nothing wider
than the screen (measured in headless Chromium, as test_phone_cards measures the
overview's other tables)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.live_app import serving
from tests.integration.web import test_console_incidents_and_event_pages as pages
from tests.integration.web.test_phone_cards import Chromium, _measure, chromium  # noqa: F401

from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import incident_service

ctx = pages.ctx

# Each page's tables (by id) and how many columns each has.
TABLES = {"": {"incidents": 6, "events": 7}, "event": {"posts": 5}, "incident": {"clocks": 5}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_console_pages_fit_a_phone_as_cards(
    ctx: Context,
    chromium: Chromium,  # noqa: F811
    lang: str,
    tmp_path: Path,
) -> None:
    fire = next(r.id for r in incident_service(ctx).summaries() if r.event_ref == "k-fire")
    paths = {"": f"?lang={lang}", "event": f"events/k-fire?lang={lang}"}
    paths["incident"] = f"incidents/{fire}?lang={lang}"
    with serving(ctx) as base:
        for name, path in paths.items():
            shot = tmp_path / f"phone-{name or 'overview'}-{lang}.png"
            shown = _measure(chromium, base, path, 360, shot, phone=True)
            assert shown["outside"] == [], (name, shown["outside"])
            assert shown["pageScroll"][0] <= shown["pageScroll"][1], (name, shown["pageScroll"])
            for table_id, columns in TABLES[name].items():
                table = shown["tables"][table_id]
                assert table["display"] == "block" and table["rows"], (name, table_id)
                for row in table["rows"]:
                    assert row["display"] == "block", (name, table_id)
                    assert len(row["cells"]) == columns
                    # Each cell beside its column's heading, on a phone as on the others.
                    assert all(c["label"] not in ("none", "normal") for c in row["cells"])
