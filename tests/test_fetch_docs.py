"""The Python examples in docs/fetching.md run as they are, top to bottom.

Blocks fenced as ``python`` run (in one shared namespace, like a session);
blocks fenced as ``py`` are illustrations that need the reader's own code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "fetching.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_doc_has_examples() -> None:
    assert len(BLOCKS) >= 8


def test_doc_examples_run_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    for index, code in enumerate(BLOCKS):
        exec(compile(code, f"{DOC}:example{index}", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "200 " in out
    assert "status 404" in out
    assert "loopback" in out
    assert "https://example.org/feed.xml" in out
    expanded = next(line for line in out.splitlines() if "https://example.org/feed.xml'" in line)
    assert "/etc/passwd" not in expanded  # the OPML's file:// entry was skipped
    assert "/feed.xml']" in out  # discovery found the advertised feed
