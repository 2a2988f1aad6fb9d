"""The documentation runs as written: every ``python`` block of README.md and docs/*.md.

Blocks of one file run in order in one namespace (a later block may use an earlier one's
names), in a temporary working folder. A block that must not run (one that needs a file the
reader has, or runs for minutes) is preceded by the line ``<!-- no-run -->``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!-- no-run -->\n)?```python\n(.*?)```", re.S)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line number, source)`` of every block of ``page`` that is meant to run."""
    text = page.read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in BLOCK.finditer(text) if not m.group(1)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_block_runs_in_order(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, source in python_blocks(page):
        try:
            exec(compile(source, f"{page.name}:{line}", "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - report which block failed, then fail
            pytest.fail(f"{page.relative_to(ROOT)} line {line}: {type(error).__name__}: {error}")
    capsys.readouterr()


def test_readme_stays_short_enough_to_read_in_five_minutes() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/"
