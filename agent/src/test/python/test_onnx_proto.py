"""proto/src/main/proto/onnx/onnx.proto, the schema the Java exporter writes ONNX files with, is the
onnx package's own onnx.proto: below its 3-line note and a blank line, byte for byte the file the
installed onnx wheel ships (python/pyproject.toml pins onnx 1.23.2 for the tests; a newer onnx
means copying its onnx.proto here and updating the note)."""

from __future__ import annotations

from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parents[4]
OURS = ROOT / "proto" / "src" / "main" / "proto" / "onnx" / "onnx.proto"


def test_our_onnx_proto_is_the_onnx_packages_own() -> None:
    note, body = OURS.read_text(encoding="utf-8").split("\n\n", 1)
    assert f"onnx {onnx.__version__} wheel" in note, (note, onnx.__version__)
    theirs = (Path(onnx.__file__).parent / "onnx.proto").read_text(encoding="utf-8")
    assert body == theirs
