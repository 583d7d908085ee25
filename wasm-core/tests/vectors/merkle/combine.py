#!/usr/bin/env python3
"""Combines every transparency-dev/merkle vector under inclusion/ and consistency/ into
combined.json, so tests can embed them with one include_str!. Run from anywhere:

    python3 wasm-core/tests/vectors/merkle/combine.py

The per-case files stay as copied from upstream; combined.json only adds each case's file path.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


def cases(kind):
    for path in sorted((HERE / kind).rglob("*.json")):
        case = json.loads(path.read_text())
        case["file"] = path.relative_to(HERE).as_posix()
        yield case


combined = {kind: list(cases(kind)) for kind in ("inclusion", "consistency")}
(HERE / "combined.json").write_text(json.dumps(combined, indent=1, sort_keys=True) + "\n")
print({kind: len(v) for kind, v in combined.items()})
