"""`make run` end to end: `yuqing serve --demo` shows the demo within a minute."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_server_fills_the_overview_within_a_minute(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(YUQING_DATA_DIR=str(tmp_path / "var"), YUQING_CONFIG=str(_empty_config(tmp_path)))
    server = subprocess.Popen(
        [sys.executable, "-m", "yuqing.cli.main", "serve", "--demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        stats: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                stats = httpx.get(f"{base}/api/v1/stats", timeout=5).json()
                if int(stats["posts_total"]) >= 20:  # type: ignore[call-overload]
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert int(stats.get("posts_total", 0)) >= 20, stats  # type: ignore[call-overload]
        page = httpx.get(base + "/", timeout=10)
        assert page.status_code == 200
        assert "舆情应急值守" in page.text
        assert "微博" in page.text  # the demo source by its Chinese name
        assert (tmp_path / "var" / "demo.db").exists()
    finally:
        server.terminate()  # SIGTERM, as systemd, docker and `timeout` stop a service
        code = server.wait(timeout=60)
    # Stopped cleanly, and the detector state was saved on the way out (the default
    # SIGTERM handler ended the process before that).
    assert code == 0
    with sqlite3.connect(tmp_path / "var" / "demo.db") as db:
        saved = db.execute("SELECT count(*) FROM detector_state").fetchone()[0]
    assert saved == 1


def _empty_config(folder: Path) -> Path:
    """An empty config file: the settings' defaults, not ./yuqing.toml."""
    path = folder / "x.toml"
    path.write_text("", encoding="utf-8")
    return path
