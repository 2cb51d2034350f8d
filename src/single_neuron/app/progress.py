"""Progress bars (tqdm) on stderr, shown only to a person at a terminal.

A bar appears when stderr is a terminal and --quiet was not given; otherwise
these helpers do nothing, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def wanted(quiet: bool = False, stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


class TrainingProgress:
    """A bar over the iterations, moved at each recorded cost; prints lines without breaking it."""

    def __init__(self, total: int, enabled: bool):
        self.bar = tqdm(total=total, unit="it", desc="training", file=sys.stderr, disable=not enabled,
                        leave=False, dynamic_ncols=True)

    def at(self, i: int, cost: float) -> None:
        self.bar.set_postfix_str(f"cost {cost:.6f}", refresh=False)
        self.bar.update(i - self.bar.n)

    def print(self, line: str) -> None:
        if self.bar.disable:
            print(line, flush=True)
        else:
            self.bar.write(line, file=sys.stdout)

    def close(self) -> None:
        self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()


def items(iterable, enabled: bool, what: str = "images"):
    """Iterate with a bar over a list of files."""
    return tqdm(iterable, unit=what[:-1] if what.endswith("s") else what, desc=what, file=sys.stderr,
                disable=not enabled, leave=False, dynamic_ncols=True)
