#!/usr/bin/python3
"""The folder-level include graph of migflow's sources: which layer includes which.

Usage:
    /usr/bin/python3 tools/include_graph.py            # print "folder -> folders" lines
    /usr/bin/python3 tools/include_graph.py --check    # also exit 1 on a cycle or an
                                                       # include against docs/design.md's order

A folder is the first path component of a source file (policies/readmission/x.cpp is
in policies/). Only project includes ("folder/file.hpp") count. The library's layers
must form a chain that only points down (docs/design.md, "Layers"); tools such as the
tests, benchmarks and fuzzer sit on top and may include any layer.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".cc"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
# Bottom first. A folder may include itself and any folder before it in this list; the
# folders of one tuple are peers, which may not include each other (the command line and
# the Python package both stand on session/).
LAYERS = ["model", "output", "loader", "sim", "ensemble", "policies", "analysis", "session", ("app", "python")]
RANK = {folder: i for i, layer in enumerate(LAYERS) for folder in (layer if isinstance(layer, tuple) else (layer,))}
# Folders of the repository that hold no sources of the library itself.
TOP = {"tests", "bench", "fuzz", "examples"}
SKIP = {"build", ".git", "out", "docs", "tools", "scenarios/data"}


def folder_of(path):
    return path.relative_to(ROOT).parts[0]


def graph():
    edges = defaultdict(set)
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        if rel.parts[0].startswith("build") or any(str(rel).startswith(s + "/") for s in SKIP):
            continue
        here = folder_of(path)
        for target in INCLUDE.findall(path.read_text(errors="replace")):
            parts = Path(target).parts
            if len(parts) < 2 or parts[0] in (".", "..") or not (ROOT / parts[0]).is_dir():
                continue  # a file beside this one, or a system header in quotes
            edges[here].add(parts[0])
    return edges


def cycles(edges):
    """Folder pairs or longer loops, found by depth-first search over distinct folders."""
    found = []
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt == node:
                continue
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def upward(edges):
    """Includes from a library layer into a layer above it (or an unknown folder)."""
    bad = []
    for src, targets in sorted(edges.items()):
        if src in TOP:
            continue
        for dst in sorted(targets):
            if dst == src:
                continue
            if src not in RANK or dst not in RANK or RANK[dst] >= RANK[src]:
                bad.append((src, dst))
    return bad


def main():
    edges = graph()
    for src in sorted(edges):
        others = sorted(edges[src] - {src})
        print(f"{src} -> {', '.join(others) if others else '(itself only)'}")
    if "--check" not in sys.argv[1:]:
        return 0
    status = 0
    for loop in cycles(edges):
        print("cycle: " + " -> ".join(loop), file=sys.stderr)
        status = 1
    for src, dst in upward(edges):
        layers = " ".join(layer if isinstance(layer, str) else "|".join(layer) for layer in LAYERS)
        print(f"upward include: {src}/ includes {dst}/ (layers, bottom first: {layers})", file=sys.stderr)
        status = 1
    if status == 0:
        print("include graph: no cycle, every include points down")
    return status


if __name__ == "__main__":
    sys.exit(main())
