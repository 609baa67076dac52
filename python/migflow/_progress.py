"""A progress bar that works where researchers run migflow: in a Jupyter notebook (an
HTML <progress> element updated in place, with no widget library needed), on a
terminal (one line on stderr, redrawn), and nowhere else (logs and pipes stay clean)."""

import sys
import time
from typing import Any, Optional, Tuple


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    try:
        ip = shell.get_ipython() if shell else None
    except Exception:  # noqa: BLE001 - no IPython, or not running
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class Progress:
    """Call update(done, total) as often as you like; it redraws ten times a second."""

    def __init__(self, label: str, mode: Optional[str] = None) -> None:
        self.label = label
        self.mode = mode or ("notebook" if _in_notebook() else "terminal" if sys.stderr.isatty() else "off")
        self.start = time.monotonic()
        self.last = 0.0
        self.handle: Any = None
        self.shown = False

    def text(self, done: int, total: int) -> Tuple[float, str]:
        share = done / total if total else 0.0
        elapsed = time.monotonic() - self.start
        left = elapsed * (1 - share) / share if share > 0 else 0.0
        return share, f"{done}/{total} steps, {elapsed:.0f} s elapsed, {left:.0f} s left"

    def html(self, done: int, total: int) -> str:
        share, text = self.text(done, total)
        return (f"<div><code>{self.label}</code> <progress value='{share:.4f}' max='1' style='width:20em'>"
                f"</progress> {100 * share:.0f}% &nbsp; {text}</div>")

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.mode == "off" or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        if self.mode == "notebook":
            from IPython.display import HTML, display
            if self.handle is None:
                self.handle = display(HTML(self.html(done, total)), display_id=True)
            else:
                self.handle.update(HTML(self.html(done, total)))
        else:
            share, text = self.text(done, total)
            bar = "#" * int(share * 30)
            sys.stderr.write(f"\r{self.label} [{bar:.<30}] {100 * share:3.0f}%  {text} ")
            sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.mode == "terminal" and self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
