"""The examples in docs/emitting.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "emitting.md"


def test_emitting_doc_examples_run() -> None:
    if not DOC.is_file():
        pytest.skip("docs/emitting.md is not available")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    # the signature block documents arguments; every other block is a runnable example
    examples = [b for b in blocks if not b.lstrip().startswith("emit_feed(items, *")]
    assert len(examples) >= 5
    namespace: dict[str, object] = {}
    exec(compile("\n".join(examples), str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    assert isinstance(namespace["atom"], bytes)
    assert isinstance(namespace["page"], bytes)
