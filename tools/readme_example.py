#!/usr/bin/python3
"""Runs the README's Python example (the first ```python block of README.md) with the
python3 that runs this script, as a reader would paste it: CI runs it in a fresh virtual
environment where `pip install .` put the package (.ci/run). Figures go to no screen
(MPLBACKEND=Agg unless set).

Usage: <python3> tools/readme_example.py README.md
"""

import os
import re
import sys


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    block = re.search(r"```python\n(.*?)```", text, re.S)
    if not block:
        sys.exit(f"{sys.argv[1]}: no ```python block")
    os.environ.setdefault("MPLBACKEND", "Agg")
    code = compile(block.group(1), f"{sys.argv[1]} (Python example)", "exec")
    exec(code, {"__name__": "__main__"})
    print(f"README example ran with {sys.executable}")


if __name__ == "__main__":
    main()
