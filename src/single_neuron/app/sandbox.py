"""A learner's code run in a child process, with a time limit and a memory limit, its output kept apart.

`run_in_child(work, seconds=..., memory=...)` forks. The child, in a process group of its
own:

- reads nothing (standard input is /dev/null) and writes what the learner's code prints,
  standard output and error alike, to a pipe of its own, never to ours: the parent keeps the
  first PRINTED_BYTES and counts the rest;
- may use `memory` bytes of address space beyond what it had at the fork (RLIMIT_AS: a huge
  allocation fails at once with MemoryError) and `seconds` of wall time (a timer, whose
  handler reports where the code was and ends the child), with CPU time limited too as a
  backstop (RLIMIT_CPU); the parent kills the whole group `KILL_GRACE` seconds after the limit in
  any case, so an endless loop in C, or a process the learner's code started, ends too;
- sends its results to the parent as JSON lines on a third pipe (`send(message)`), which
  nothing the learner prints can reach, and ends them with {"done": true}: the parent stops
  reading there, not at the end of the pipe, which a process the learner's code forked may hold
  open long after the child is done (the parent then kills the group).

Inside the child, `isolated(task)` runs one piece of the learner's code (one function judged)
in a fork of its own: what that piece changes (a global rebound, a module patched) is gone when
it ends, and a piece that ends its process (`os._exit(0)`, `sys.exit` in a thread, a signal)
ends only its own fork: the child says how and goes on with the next.

Why fork: the functions to check may be live objects (`single_neuron.check(globals())` in a
notebook), which a fork keeps as they are without pickling them (a notebook's functions
cannot be pickled by reference). The child never touches the parent's output streams (in a
notebook kernel they are sockets served by threads that do not exist in the child) and ends
with os._exit, so nothing of the parent's is flushed or closed twice. It needs fork(): POSIX.
"""

from __future__ import annotations

import json
import math
import os
import selectors
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

from ..errors import LearnerCodeError

KILL_GRACE = 2.0                      # seconds past the limit before the parent kills the child's group
PRINTED_BYTES = 64 * 1024        # of what the learner's code prints, kept for the report
_LINE_BYTES = 16 * 2**20         # one message from the child, at most
TIMED_OUT = "time"
OUT_OF_MEMORY = "memory"
DONE = "done"

# In the child only: how to reach the parent and when the time is up (set once by _child).
_child_state: dict = {}


@dataclass
class ChildRun:
    """What a child process sent, printed and how it ended."""

    messages: list[dict] = field(default_factory=list)
    printed: bytes = b""
    printed_bytes: int = 0
    exit_status: int | None = None
    signal: int | None = None
    killed_at_deadline: bool = False
    done: bool = False               # the child said it was done (how it then ended does not matter)


def run_in_child(work: Callable[[Callable[[dict], None]], None], *, seconds: float, memory: int | None,
                 locate: Callable[[object], dict] | None = None) -> ChildRun:
    """Run `work(send)` in a forked child within `seconds` and `memory` bytes (None: no memory limit).

    `send(message)` passes one JSON-able dict to the parent. When the time runs out, the child
    sends {"limit": "time", **locate(frame)} (the frame the timer interrupted) and ends; a
    MemoryError that reaches the top sends {"limit": "memory", **locate(frame)} (the innermost
    frame it went through). Returns what the parent received.
    """
    if not hasattr(os, "fork"):
        raise LearnerCodeError("checking a learner's code needs a POSIX system (it runs the code in a forked "
                               "child process)")
    results_r, results_w = os.pipe()
    printed_r, printed_w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()                   # nothing of ours is written twice, by both processes
        except (OSError, ValueError, AttributeError):
            pass
    with warnings.catch_warnings():
        # Python 3.12 warns that forking a process with threads may deadlock the child; ours only
        # computes with NumPy (OpenBLAS resets its threads at fork) and writes to pipes.
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        pid = os.fork()
    if pid == 0:                             # the child: never returns
        os.close(results_r)
        os.close(printed_r)
        _child(work, results_w, printed_w, seconds, memory, locate or (lambda frame: {}))
    os.close(results_w)
    os.close(printed_w)
    try:
        os.setpgid(pid, pid)                 # also done by the child: whichever runs first
    except OSError:
        pass
    return _parent(pid, results_r, printed_r, seconds + KILL_GRACE)


# ------------------------------------------------------------------------------ the child


def _child(work, results_w: int, printed_w: int, seconds: float, memory: int | None, locate) -> None:
    status = 0
    try:
        os.setpgid(0, 0)
        # Where the parent ran with a standard stream closed, a pipe may have got its number: move both
        # pipes above 2 before 0, 1 and 2 are replaced.
        results_w, printed_w = _above_stdio(results_w), _above_stdio(printed_w)
        _quiet_streams(printed_w)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        send = _sender(results_w)
        _child_state.update(send=send, locate=locate, deadline=time.monotonic() + seconds)
        _limit(seconds, memory)
        signal.signal(signal.SIGALRM, lambda signum, frame: _out_of_time(send, locate, frame))
        signal.setitimer(signal.ITIMER_REAL, seconds)
        warnings.resetwarnings()
        try:
            work(send)
        except MemoryError as exc:
            _out_of_memory(exc, send, locate)
        signal.setitimer(signal.ITIMER_REAL, 0)
        send({DONE: True})
    except BaseException as exc:             # whatever happens, the child ends here, with a word to the parent
        status = 1
        try:
            os.write(results_w, (json.dumps({"crash": f"{type(exc).__name__}: {exc}"[:2000]}) + "\n").encode())
        except BaseException:
            pass
    finally:
        os._exit(status)


def isolated(task: Callable[[], dict]) -> dict:
    """In the child: `task()` run in a fork of the child, its JSON-able result passed back.

    Where the fork ends without a result, returns {"ended": how} ("exit status 0", "signal 9").
    A limit reached in the fork is sent to the parent from there, as in the child, and then the
    child ends too (the report stops at the first limit)."""
    send, locate, deadline = _child_state["send"], _child_state["locate"], _child_state["deadline"]
    signal.setitimer(signal.ITIMER_REAL, 0)             # the fork keeps the time; the child waits for it
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(result_r)
        _piece(task, result_w, send, locate, deadline)
    os.close(result_w)
    line = _one_line(result_r, pid)
    os.close(result_r)
    _, status = os.waitpid(pid, 0)
    left = deadline - time.monotonic()
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == getattr(signal, "SIGXCPU", None):
        left = 0
    if line is None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == _LIMIT_STATUS:
        os._exit(0)                                      # a limit, which the fork has told the parent of
    if left <= 0:                                        # (where, unknown: the fork was stopped by its CPU limit)
        send({"limit": TIMED_OUT})
        os._exit(0)
    signal.setitimer(signal.ITIMER_REAL, left)
    if line is not None:
        try:
            return json.loads(line)
        except ValueError:
            pass
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.WEXITSTATUS(status)}"
    return {"ended": how}


_LIMIT_STATUS = 125              # a fork of isolated() that reached a limit and said so


def _out_of_memory(exc: MemoryError, send, locate) -> None:
    """Say the memory limit was reached, at the innermost frame of `exc` (the learner's line, if theirs)."""
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    send({"limit": OUT_OF_MEMORY, **locate(traceback.tb_frame if traceback is not None else None)})


def _piece(task, result_w: int, send, locate, deadline: float) -> None:
    status = 0
    try:
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
        signal.signal(signal.SIGALRM, lambda signum, frame: _out_of_time(send, locate, frame, _LIMIT_STATUS))
        try:
            data = (json.dumps(task(), allow_nan=False) + "\n").encode()
        except MemoryError as exc:
            _out_of_memory(exc, send, locate)
            status = _LIMIT_STATUS
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        while data:
            data = data[os.write(result_w, data):]
    except BaseException as exc:
        status = 1
        try:
            send({"crash": f"{type(exc).__name__}: {exc}"[:2000]})
        except BaseException:
            pass
    finally:
        os._exit(status)


def _one_line(fd: int, pid: int) -> bytes | None:
    """The first line written to `fd` by the process `pid`, or None where it ends (or the line grows past
    _LINE_BYTES) without one. It stops at the line's end, or at the end of `pid` where the system says
    when a process ends (a pidfd, Linux), not at the pipe's: a process the code forked may hold it open."""
    try:
        ended = os.pidfd_open(pid)
    except (AttributeError, OSError):
        ended = None
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    if ended is not None:
        selector.register(ended, selectors.EVENT_READ)
    data = bytearray()
    try:
        while True:
            ready = {key.fd for key, _ in selector.select()}
            if fd not in ready:                        # the fork ended: what it wrote is in the pipe already
                os.set_blocking(fd, False)
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = b""
            end = (data + chunk).find(b"\n")
            data += chunk
            if end >= 0:
                return bytes(data[:end])
            if not chunk or len(data) > _LINE_BYTES:
                return None
    finally:
        selector.close()
        if ended is not None:
            os.close(ended)


def _above_stdio(fd: int) -> int:
    import fcntl

    if fd > 2:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 3)
    os.close(fd)
    return moved


def _quiet_streams(printed_w: int) -> None:
    """Standard input from /dev/null; standard output and error to the pipe of what the code prints."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    if devnull != 0:                         # (0 itself where the parent ran with it closed)
        os.dup2(devnull, 0)
        os.close(devnull)
    os.dup2(printed_w, 1)
    os.dup2(printed_w, 2)
    os.close(printed_w)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)


def _limit(seconds: float, memory: int | None) -> None:
    import resource

    def lower(which, soft):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))

    lower(resource.RLIMIT_CORE, 0)
    lower(resource.RLIMIT_CPU, math.ceil(seconds) + 1)       # SIGXCPU ends it if the timer cannot
    if memory is not None:
        from ..io.resources import mapped_memory

        mapped = mapped_memory()
        if mapped is not None:
            lower(resource.RLIMIT_AS, mapped + memory)


def _out_of_time(send, locate, frame, status: int = 0) -> None:
    try:
        send({"limit": TIMED_OUT, **locate(frame)})
    finally:
        os._exit(status)


def _sender(fd: int) -> Callable[[dict], None]:
    def send(message: dict) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        while data:
            data = data[os.write(fd, data):]
    return send


# ------------------------------------------------------------------------------ the parent


def _parent(pid: int, results_r: int, printed_r: int, seconds: float) -> ChildRun:
    run = ChildRun()
    deadline = time.monotonic() + seconds
    pending = b""
    printed = bytearray()
    selector = selectors.DefaultSelector()
    for fd in (results_r, printed_r):
        selector.register(fd, selectors.EVENT_READ)
    try:
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                run.killed_at_deadline = True
                break
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    if key.fd == results_r:
                        _kill_group(pid)          # the child is done: nothing it started may stay
                elif key.fd == printed_r:
                    run.printed_bytes += len(chunk)
                    printed += chunk[:max(0, PRINTED_BYTES - len(printed))]
                else:
                    pending = _messages(pending + chunk, run.messages)
                    if run.messages and run.messages[-1].get(DONE) is True:
                        _kill_group(pid)
                        rest = _waiting(printed_r)
                        run.printed_bytes += len(rest)
                        printed += rest[:max(0, PRINTED_BYTES - len(printed))]
                        run.done = True
                        break
            if run.done:
                break
    finally:                                      # done, out of time, or interrupted (Ctrl-C): the child goes
        _kill_group(pid)
        _, status = os.waitpid(pid, 0)
        selector.close()
        os.close(results_r)
        os.close(printed_r)
    run.printed = bytes(printed)
    if os.WIFEXITED(status):
        run.exit_status = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        run.signal = os.WTERMSIG(status)
    return run


def _waiting(fd: int) -> bytes:
    """What is in the pipe `fd` now, without waiting for more."""
    os.set_blocking(fd, False)
    data = bytearray()
    try:
        while len(data) < PRINTED_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    return bytes(data)


def _messages(data: bytes, into: list) -> bytes:
    """Parse the complete lines of `data` into `into`; return what is left of an incomplete line."""
    *lines, rest = data.split(b"\n")
    for line in lines:
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            message = None
        into.append(message if isinstance(message, dict) else {"crash": "an unreadable message from the child"})
    if len(rest) > _LINE_BYTES:
        into.append({"crash": "a message from the child beyond its size limit"})
        return b""
    return rest


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
