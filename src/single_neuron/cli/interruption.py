"""Ctrl-C (SIGINT) and SIGTERM: the command stops, says so in one line, and exits 130 or 143.

Python turns SIGINT into a KeyboardInterrupt raised wherever the program happens to
be. Inside a library's callback (h5py runs Python code from its C layer, a weakref
callback, a destructor) such an exception is printed as "ignored" and the program
goes on: a run interrupted there used to finish, save its model and exit 0. So the
handler here does two things: it raises `Interrupted` at once, as Python would, and it
remembers the signal. An Interrupted swallowed in a callback reaches `main`'s
unraisable hook, which delivers the signal again; the training loop asks
`should_stop` before every iteration, which raises again if a raise was lost all the
same; and `main` treats a remembered signal as an interruption whatever happened
after it. Outputs are written atomically
(see `io.atomic`), so an interruption leaves the old file or none, never half of one.
"""

from __future__ import annotations

import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by `signum`; a KeyboardInterrupt, so that no library's
    ``except Exception`` swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> int:
        return 128 + self.signum          # the shell's convention: 130 for SIGINT, 143 for SIGTERM


_received: int | None = None
_raising = False


def _handler(signum, frame) -> None:
    global _received
    if _received is None:
        _received = signum
    if _raising:
        raise Interrupted(_received)


def install() -> dict | None:
    """Handle SIGINT and SIGTERM as above, remembering a signal until `arm` is called; returns the
    handlers they had (for `restore`), or None where signals cannot be handled (a thread other
    than the main one). Installed before the command's `try`, a handler that raised would raise
    where nothing turns the exception into the command's one line."""
    global _received, _raising
    if threading.current_thread() is not threading.main_thread():
        return None
    _received, _raising = None, False
    return {sig: signal.signal(sig, _handler) for sig in SIGNALS}


def arm() -> None:
    """From now on a signal raises `Interrupted` where it lands; one that came since `install`
    raises now. Called first thing inside the command's `try`."""
    global _raising
    _raising = True
    if _received is not None:
        raise Interrupted(_received)


def settle() -> None:
    """From now on a signal is only remembered: the command is already ending (reporting an
    error or an interruption, or done with its work and its output), and a signal must not cut
    that short with an exception that nothing would catch."""
    global _raising
    _raising = False


def redeliver(delay: float = 0.005) -> None:
    """Send the signal received to the main thread again, `delay` seconds from now: for an
    Interrupted that a library's callback swallowed. Sent from here, it would be raised (and
    lost) in that same callback; a moment later the callback is over. The sending thread is
    started without waiting for it, so that nothing here can be interrupted half-way."""
    import _thread
    import time

    if _received is None or not _raising:
        return
    main, signum = threading.main_thread().ident, _received

    def later():
        time.sleep(delay)
        signal.pthread_kill(main, signum)

    _thread.start_new_thread(later, ())


def restore(previous: dict | None) -> None:
    if previous:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def received() -> int | None:
    """The first signal received since `install`, or None."""
    return _received


def should_stop() -> bool:
    """For the training loop's hook: raises Interrupted once a signal has come; else False."""
    if _received is not None:
        raise Interrupted(_received)
    return False


def message(signum: int) -> str:
    return "interrupted" if signum == signal.SIGINT else f"terminated by {signal.Signals(signum).name}"
