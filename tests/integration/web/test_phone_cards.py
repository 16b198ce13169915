"""The console's tables on a phone: each row a card, each cell beside its column's heading.

Seen on a phone (420 px): the wide tables (events, stories, monitors, monitor bursts,
sources) scrolled sideways inside their sections, and the page's own refresh (every 10 s,
a meta refresh: it runs no script) put a table scrolled sideways back to its left edge, so
a duty officer could not read the right-hand columns (negative share, first seen, raised
at) for more than a few seconds. On a narrow screen each row is now a card and nothing
scrolls sideways; a wide screen keeps the tables. Measured in headless Chromium (Debian's
``chromium``) driven over its DevTools pipe, on the page a real server serves.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.integration.live_app import serving
from tests.integration.monitor_states import store_monitors_in_three_states
from tests.integration.web import test_review13_console_ux as demo_day

from yuqing.runtime.context import Context
from yuqing.web import i18n

# A store as the demo's day makes it (events raised, forming and died down; a story; a
# monitor that burst), with a monitor not run and a failing source added below.
empty = demo_day.empty
ctx = demo_day.ctx

PHONE = 420
DESKTOP = 1400
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_SECONDS = 30

# Each table's headings, as interface strings' keys: the page's <th> cells say these.
COLUMNS = {
    "events": [
        "state",
        "event",
        "kind",
        "posts",
        "negative",
        "first_seen",
        "alerted_at",
    ],
    "stories": ["story", "posts", "reach", "last_seen"],
    "monitors": ["monitor_name", "state", "query", "matched", "last_burst"],
    "monitor-bursts": [
        "burst_at",
        "monitor_name",
        "burst_posts",
        "burst_expected",
        "burst_window",
        "burst_matched",
    ],
    "sources": [
        "source",
        "state",
        "category",
        "items_total",
        "items_per_day",
        "last_success",
        "last_error",
    ],
}
# A source's error as a feed library words it: one long string without a space.
LONG_ERROR = "HTTPSConnectionPool(host='www.yunxi.gov.cn',port=443):Max_retries_exceeded" * 3


class Chromium:
    """Headless Chromium, driven over its DevTools pipe (fd 3 in, fd 4 out)."""

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="yuqing-chromium-")
        commands_in, self._commands = os.pipe()
        self._answers, answers_out = os.pipe()
        # Moved above 4 first: the shell's "3<&N 4>&M" must not overwrite one it reads.
        for low in (commands_in, answers_out):
            high = fcntl.fcntl(low, fcntl.F_DUPFD, 10)
            os.close(low)
            if low == commands_in:
                commands_in = high
            else:
                answers_out = high
        self._process = subprocess.Popen(
            [
                "/bin/bash",
                "-c",
                f'exec "$0" "$@" 3<&{commands_in} 4>&{answers_out}',
                CHROMIUM,
                "--headless",
                "--no-sandbox",  # tests run as root here
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                "about:blank",
            ],
            pass_fds=(commands_in, answers_out),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: Chromium's renderer and utility processes outlive a
            # kill of the browser process alone and went on writing into the profile
            # while it was removed ("Directory not empty: 'Default'").
            start_new_session=True,
        )
        os.close(commands_in)
        os.close(answers_out)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=WAIT_SECONDS)
        os.close(self._commands)
        os.close(self._answers)
        # A killed child may still be on its way out: the profile goes once it is gone.
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                self._profile.cleanup()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._answers], [], [], max(left, 0))
            assert ready, "Chromium did not answer in time"
            chunk = os.read(self._answers, 1 << 20)
            assert chunk, "Chromium closed its DevTools pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        answer: dict[str, Any] = json.loads(message)
        return answer

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            command["sessionId"] = session
        os.write(self._commands, json.dumps(command).encode() + b"\0")
        while True:
            message = self._read()
            if message.get("id") == self._next_id:
                assert "error" not in message, (method, message["error"])
                result: dict[str, Any] = message["result"]
                return result
            self._events.append(message)

    def _wait_for(self, method: str, session: str) -> None:
        while True:
            for n, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self._events[: n + 1]
                    return
            self._events.append(self._read())

    def open(self, url: str, width: int, *, phone: bool) -> tuple[str, str]:
        """A tab showing ``url`` in a window ``width`` px wide (as a phone's, or not): its
        target and the session that drives it."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session: str = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=phone,
        )
        self.call("Page.enable", session)
        self.call("Page.navigate", session, url=url)
        self._wait_for("Page.loadEventFired", session)
        return target, session

    def evaluate(self, session: str, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"]["value"]

    def screenshot(self, session: str, path: Path) -> None:
        shot = self.call(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        path.write_bytes(base64.b64decode(shot["data"]))


# What the page shows, measured in it: every element's box, each table's and each cell's.
MEASURE = """(() => {
  const doc = document.documentElement;
  const viewport = doc.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className : '');
  const outside = [];
  for (const el of document.body.querySelectorAll('*')) {
    // The header row hidden for screen readers: measured as a whole below.
    const head = el.closest('thead');
    if (head && head.getBoundingClientRect().width <= 1) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > viewport + 0.5) {
      outside.push(name(el) + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  const tables = {};
  for (const table of document.querySelectorAll('table')) {
    const wrap = table.parentElement;
    const head = table.querySelector('thead');
    const headStyle = getComputedStyle(head);
    const headBox = head.getBoundingClientRect();
    tables[table.id] = {
      display: getComputedStyle(table).display,
      scroll: [table.scrollWidth, table.clientWidth],
      wrapScroll: [wrap.className, wrap.scrollWidth, wrap.clientWidth],
      head: {
        display: headStyle.display, visibility: headStyle.visibility,
        overflow: headStyle.overflow, width: headBox.width, height: headBox.height,
      },
      headings: [...head.querySelectorAll('th')].map((th) => ({
        text: th.textContent, height: th.getBoundingClientRect().height,
        display: getComputedStyle(th).display,
      })),
      rows: [...table.tBodies[0].rows].map((row) => ({
        className: row.className,
        display: getComputedStyle(row).display,
        cells: [...row.cells].map((cell) => {
          const style = getComputedStyle(cell);
          const label = getComputedStyle(cell, '::before');
          const box = cell.getBoundingClientRect();
          return {
            display: style.display, color: style.color, background: style.backgroundColor,
            label: label.content, labelDisplay: label.display,
            labelVisibility: label.visibility, labelColor: label.color,
            top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          };
        }),
      })),
    };
  }
  return {viewport, pageScroll: [doc.scrollWidth, doc.clientWidth], outside, tables};
})()"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    if not Path(CHROMIUM).exists():
        needed = "needs headless Chromium: `apt-get install chromium` (Debian's package)"
        if os.environ.get("CI") == "true":  # .ci/run installs it: absent there is a failure
            pytest.fail(needed)
        pytest.skip(needed)
    with Chromium() as browser:
        yield browser


@pytest.fixture
def store(ctx: Context) -> Context:
    """The demo's day, with a monitor whose query no longer compiles and a failing source."""
    store_monitors_in_three_states(ctx, "旧方案", "新方案", "停方案", "化工 AND (火灾")
    with ctx.db.write() as conn:
        conn.execute(
            text("UPDATE source_health SET consecutive_failures = 3, last_error = :e"),
            {"e": LONG_ERROR},
        )
    return ctx


def _measure(
    browser: Chromium, base: str, query: str, width: int, shot: Path, *, phone: bool
) -> Any:
    """What the page at ``query`` shows (MEASURE) in a window ``width`` px wide; its
    screenshot in ``shot``."""
    target, session = browser.open(f"{base}/{query}", width, phone=phone)
    shown = browser.evaluate(session, MEASURE)
    browser.screenshot(session, shot)
    browser.call("Target.closeTarget", targetId=target)
    return shown


def _label(heading: str) -> str:
    """``heading`` as a computed ``content`` says it: a CSS string."""
    return '"' + heading.replace("\\", "\\\\").replace('"', '\\"') + '"'


# 420 px as the duty officer's phone; 360 px, a smaller phone's, as well.
@pytest.mark.parametrize("width", [PHONE, 360])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_each_row_is_a_card_and_nothing_scrolls_sideways(
    store: Context, chromium: Chromium, lang: str, width: int, tmp_path: Path
) -> None:
    say = i18n.translator(lang)
    with serving(store) as base:
        shot = tmp_path / f"phone-{width}-{lang}.png"
        shown = _measure(chromium, base, f"?lang={lang}", width, shot, phone=True)
    assert shown["viewport"] == width
    # Nothing on the page is wider than the screen, and the page does not scroll sideways.
    assert shown["outside"] == [], shown["outside"]
    assert shown["pageScroll"][0] <= shown["pageScroll"][1], shown["pageScroll"]
    assert sorted(shown["tables"]) == sorted(COLUMNS)
    for table_id, keys in COLUMNS.items():
        table = shown["tables"][table_id]
        headings = [say(key) for key in keys]
        # No table, nor its wrapper, needs sideways scrolling.
        assert table["scroll"][0] <= table["scroll"][1], (table_id, table["scroll"])
        wrap_class, wrap_scroll, wrap_client = table["wrapScroll"]
        assert wrap_class == "table-wrap" and wrap_scroll <= wrap_client, (table_id, wrap_scroll)
        # The header row is out of sight but still there for a screen reader.
        head = table["head"]
        assert head["display"] != "none" and head["visibility"] == "visible", (table_id, head)
        assert head["width"] <= 1 and head["height"] <= 1 and head["overflow"] == "hidden", head
        assert [h["text"] for h in table["headings"]] == headings
        assert table["display"] == "block" and table["rows"], table_id
        for row in table["rows"]:
            assert row["display"] == "block", (table_id, row)
            cells = row["cells"]
            assert len(cells) == len(headings), (table_id, row)
            for heading, cell, below in zip(headings, cells, [*cells[1:], None], strict=True):
                # Each cell shows its column's heading, in the page's language ...
                assert cell["label"] == _label(heading), (table_id, heading, cell["label"])
                assert cell["labelDisplay"] != "none" and cell["labelVisibility"] == "visible"
                assert cell["labelColor"] != cell["background"], (table_id, cell)
                # ... on a line of the card of its own, the next cell under it.
                assert cell["display"] != "table-cell", (table_id, cell)
                if below is not None:
                    assert below["top"] >= cell["bottom"] - 0.5, (table_id, cell, below)
    # Only the language asked for.
    for table_id, keys in COLUMNS.items():
        other = i18n.translator("en" if lang == "zh" else "zh")
        cells = shown["tables"][table_id]["rows"][0]["cells"]
        for key, cell in zip(keys, cells, strict=True):
            if other(key) != say(key):
                assert cell["label"] != _label(other(key)), (table_id, key)


def test_a_row_keeps_its_emphasis_as_a_card(
    store: Context, chromium: Chromium, tmp_path: Path
) -> None:
    with serving(store) as base:
        phone = _measure(chromium, base, "", PHONE, tmp_path / "phone.png", phone=True)
        wide = _measure(chromium, base, "", DESKTOP, tmp_path / "wide.png", phone=False)
    for table_id in COLUMNS:
        phone_rows = phone["tables"][table_id]["rows"]
        wide_rows = wide["tables"][table_id]["rows"]
        assert [r["className"] for r in phone_rows] == [r["className"] for r in wide_rows]
        assert {r["display"] for r in phone_rows} == {"block"}, table_id  # cards
        for phone_row, wide_row in zip(phone_rows, wide_rows, strict=True):
            # Each cell's colour and background as in the table on a wide screen.
            colours = [(c["color"], c["background"]) for c in phone_row["cells"]]
            assert colours == [(c["color"], c["background"]) for c in wide_row["cells"]], (
                table_id,
                phone_row["className"],
            )
    accent, muted, tint = "rgb(180, 35, 24)", "rgb(101, 109, 118)", "rgb(255, 244, 229)"

    def rows(table_id: str, name: str) -> list[list[dict[str, Any]]]:
        found = [r["cells"] for r in phone["tables"][table_id]["rows"] if r["className"] == name]
        assert found, (table_id, name)
        return found

    # The emphasis each class gives is there on the phone: a raised event's state white on
    # red, its heading readable there too; a forming one's state and a faded row greyed;
    # a failing monitor and source in red; a bursting monitor tinted.
    for raised in rows("events", "raised"):
        assert (raised[0]["color"], raised[0]["background"]) == ("rgb(255, 255, 255)", accent)
        assert raised[0]["labelColor"] == "rgb(255, 255, 255)"
    assert all(r[0]["color"] == muted for r in rows("events", "forming"))
    assert all(c["color"] == muted for r in rows("events", "faded") for c in r)
    for table_id in ("monitors", "sources"):
        assert all(c["color"] == accent for r in rows(table_id, "failing") for c in r)
    for table_id in ("monitors", "monitor-bursts"):
        assert all(c["background"] == tint for r in rows(table_id, "bursting") for c in r)


def test_on_a_wide_screen_the_tables_stay_tables_under_their_header_rows(
    store: Context, chromium: Chromium, tmp_path: Path
) -> None:
    with serving(store) as base:
        for lang in ("zh", "en"):
            shot = tmp_path / f"wide-{lang}.png"
            shown = _measure(chromium, base, f"?lang={lang}", DESKTOP, shot, phone=False)
            assert shown["outside"] == [], shown["outside"]
            for table_id, keys in COLUMNS.items():
                table = shown["tables"][table_id]
                assert table["display"] == "table", table_id
                assert table["head"]["display"] == "table-header-group", table_id
                assert table["head"]["height"] > 10, table_id
                headings = table["headings"]
                assert [h["text"] for h in headings] == [i18n.translator(lang)(k) for k in keys]
                assert all(h["display"] == "table-cell" and h["height"] > 10 for h in headings)
                for row in table["rows"]:
                    assert row["display"] == "table-row", (table_id, row)
                    # The cells side by side in a row, no heading of their own.
                    assert len({round(c["top"]) for c in row["cells"]}) == 1, (table_id, row)
                    assert all(c["display"] == "table-cell" for c in row["cells"])
                    assert all(c["label"] in ("none", "normal") for c in row["cells"])


def test_a_heading_is_escaped_for_the_page_and_for_its_style(
    store: Context, chromium: Chromium, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The interface strings are the project's own; were one to hold markup or a quote, it
    # is still shown as written, in the header row and on each card.
    odd = '负面<b>"占比"</b> \\ & '
    monkeypatch.setitem(i18n._STRINGS, "negative", {"zh": odd, "en": odd})
    with serving(store) as base:
        page = httpx.get(f"{base}/").text
        # In Chinese: headless Chromium's Accept-Language asks for English.
        shown = _measure(chromium, base, "?lang=zh", PHONE, tmp_path / "odd.png", phone=True)
    assert "<b>" not in page and "&lt;b&gt;" in page
    events = shown["tables"]["events"]
    column = COLUMNS["events"].index("negative")
    assert events["headings"][column]["text"] == odd
    assert all(row["cells"][column]["label"] == _label(odd) for row in events["rows"])
    # The strings around it are untouched.
    assert events["rows"][0]["cells"][column + 1]["label"] == _label("首次出现")
