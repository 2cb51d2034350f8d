"""Progress bars (tqdm) on stderr, shown only to a person at a terminal.

A bar appears when stderr is a terminal and --quiet was not given; otherwise
nothing is drawn and tqdm is not even imported, so logs, pipes and start-up stay
clean. Result lines go through `Progress.print` (and error lines through
`Progress.paused`), which take the bar off the terminal, write the line and draw
the bar again below it: where stdout and stderr are the same terminal, a result
line never holds a piece of a bar.
"""

from __future__ import annotations

import contextlib
import sys


def wanted(quiet: bool = False, stream=None) -> bool:
    """True when a bar should be drawn: not --quiet, and `stream` (default stderr) is a terminal."""
    stream = stream if stream is not None else sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


class Progress:
    """A bar over `total` steps of `unit` (iterations, images), or nothing when not `enabled`.

    Use it as a context manager: the bar is removed when the block ends, however it ends."""

    def __init__(self, total: int, enabled: bool, unit: str = "it", what: str = ""):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=what, file=sys.stderr, leave=False, dynamic_ncols=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def at(self, n: int, status: str | None = None) -> None:
        """Move the bar to step `n`, with a short status beside it."""
        if self.bar is not None:
            if status is not None:
                self.bar.set_postfix_str(status, refresh=False)
            self.bar.update(n - self.bar.n)

    def advance(self, steps: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(steps)

    def print(self, line: str) -> None:
        """Write one result line on stdout, the bar kept below it."""
        with self.paused():
            print(line, flush=True)

    @contextlib.contextmanager
    def paused(self):
        """A block that writes to the terminal (stdout or stderr) with the bar out of the way."""
        if self.bar is None:
            yield
            return
        with self.bar.external_write_mode(file=sys.stderr):
            yield
            sys.stdout.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
