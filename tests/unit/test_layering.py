"""The domain core stays free of web, database and network code (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "yuqing"
CORE_PACKAGES = ("core", "textproc", "detection", "grading", "incidents", "evaluation")
FORBIDDEN = (
    "yuqing.storage",
    "yuqing.api",
    "yuqing.web",
    "yuqing.cli",
    "yuqing.runtime",
    "yuqing.notify",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "urllib.request",
    "http.client",
    "socket",
    "smtplib",
    "psycopg",
)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _core_files() -> list[Path]:
    files: list[Path] = []
    for package in CORE_PACKAGES:
        files.extend(sorted((SRC / package).rglob("*.py")))
    return files


def test_core_packages_exist_and_have_code() -> None:
    assert len(_core_files()) >= 5


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_core_imports_no_io(path: Path) -> None:
    bad = [
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert not bad, f"{path.relative_to(SRC)} imports {bad}: keep I/O at the edges"


def test_layering_check_catches_a_breach(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import sqlalchemy\nfrom yuqing.storage import repo\n", encoding="utf-8")
    assert _imports(sample) == ["sqlalchemy", "yuqing.storage"]
