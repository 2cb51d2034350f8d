"""The command line: parse, call the library, print. Nothing else lives here.

`main(argv) -> int` is the whole program, and the last line of defence: whatever
happens, the user meets one line on stderr and one of these exit statuses, never
a traceback:

    0    success
    1    bad data or files, an output that cannot be written, an unexpected error
    2    a malformed command line
    130  interrupted by Ctrl-C (SIGINT); 143: stopped by SIGTERM (128 + the signal)
    141  standard output was closed by its reader (`single-neuron ... | head -1`):
         no message, as the shell's own tools end (128 + SIGPIPE)

Before any work, every option that names an output is checked (see
`io.atomic.check_outputs`): it must be a regular file (or a new one) in a folder
that can be written, and none of the command's inputs. An empty value for any
option is refused. Set SINGLE_NEURON_DEBUG=1 to see the traceback of an
unexpected error instead of its one line.
"""

from __future__ import annotations

import os
import signal
import sys

from . import interruption
from .output import PROG
from .parser import Exit, UsageError, build_parser

SIGPIPE_STATUS = 128 + 13
STDOUT = "standard output"


def main(argv=None) -> int:
    """Run the command line with `argv` (default sys.argv[1:]); return the exit status."""
    import warnings

    previous = interruption.install()
    stdout, unraisable, show_warning = sys.stdout, sys.unraisablehook, warnings.showwarning
    sys.stdout = _NamedStream(stdout, STDOUT)
    sys.unraisablehook, warnings.showwarning = _unraisable, _warning
    try:
        status = _run(sys.argv[1:] if argv is None else list(argv))
    finally:
        interruption.settle()
        sys.stdout, sys.unraisablehook, warnings.showwarning = stdout, unraisable, show_warning
        if argv is not None:                 # called from Python: give the caller its handlers back
            interruption.restore(previous)
    return status


def _unraisable(info) -> None:
    # A Ctrl-C whose exception lands in a library's callback (a weakref callback run as h5py
    # frees a dataspace after a long read in C) cannot propagate: Python reports it as
    # "ignored" and goes on. Deliver the signal again, from another thread a moment later, so
    # that it is raised once the callback is over, in ordinary code (raised from here, it would
    # be lost in this callback too); the training loop's check (see `interruption`) is the
    # backstop.
    if isinstance(info.exc_value, KeyboardInterrupt):
        interruption.redeliver()
        return
    sys.__unraisablehook__(info)


def _warning(message, category, filename, lineno, file=None, line=None) -> None:
    # A library's warning is one escaped line like every other message (its text may quote
    # data: a missing glyph of a class name, a file name), not the source line it came from.
    _say(f"{PROG}: warning: {_shown(message)}")


class _NamedStream:
    """A text stream whose write errors name it, so that "No space left on device" on a full
    disk says where it happened (the path of a file is in the error already, a stream's not)."""

    def __init__(self, stream, name: str):
        self._stream, self._name = stream, name

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._named(exc)

    def flush(self):
        try:
            return self._stream.flush()
        except OSError as exc:
            raise self._named(exc)

    def _named(self, exc: OSError) -> OSError:
        if exc.filename is None:
            exc.filename = self._name
        return exc

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _run(argv: list) -> int:
    try:
        interruption.arm()
        parser = build_parser()
        if not argv:
            parser.print_help()
            status = 0
        else:
            args = parser.parse_args(argv)
            _check_arguments(parser, args)
            status = args.run(args)
        if interruption.received() is not None:          # raised inside a library and swallowed there
            raise interruption.Interrupted(interruption.received())
        sys.stdout.flush()                                # while a failure can still be reported
        interruption.settle()                             # done: a signal from here on ends nothing
        return status
    except BaseException as exc:
        interruption.settle()
        line, status = _outcome(exc)
    if line is not None:
        _say(line)
    _release_stdout()
    return status


def _outcome(exc: BaseException) -> tuple[str | None, int]:
    """The one line (or None) and the exit status for a command that ended with `exc`."""
    from ..errors import SingleNeuronError
    from .output import shown

    signum = interruption.received()
    if isinstance(exc, Exit):
        return None, exc.status
    if isinstance(exc, UsageError):
        return f"{PROG}: error: {shown(exc)}", 2
    if isinstance(exc, KeyboardInterrupt) or signum is not None:
        # Whatever a library made of the interruption on its way out, it was one.
        signum = getattr(exc, "signum", None) or signum or signal.SIGINT
        return f"{PROG}: {interruption.message(signum)}", 128 + signum
    if isinstance(exc, SingleNeuronError):
        return f"{PROG}: error: {shown(exc)}", 1
    if isinstance(exc, OSError):
        return _os_outcome(exc)
    if isinstance(exc, MemoryError):
        return (f"{PROG}: error: out of memory; try a smaller data set, or --memory-limit to stream an "
                "HDF5 file"), 1
    if isinstance(exc, SystemExit):
        return None, exc.code if isinstance(exc.code, int) else 1
    if os.environ.get("SINGLE_NEURON_DEBUG") == "1":
        raise exc
    return (f"{PROG}: error: unexpected {type(exc).__name__}: {shown(exc)} (a bug; SINGLE_NEURON_DEBUG=1 "
            "shows where)"), 1


def _os_outcome(exc: OSError) -> tuple[str | None, int]:
    """The one line (or None) and the exit status for an error of the operating system."""
    from .output import shown

    if isinstance(exc, BrokenPipeError):
        _silence_stdout()
        return None, SIGPIPE_STATUS
    reason = exc.strerror or str(exc)
    if exc.filename == STDOUT:
        _silence_stdout()
        return f"{PROG}: error: cannot write to standard output ({reason})", 1
    where = "" if exc.filename is None else f"{exc.filename}: "
    return f"{PROG}: error: {shown(where + reason)}", 1


def _check_arguments(parser, args) -> None:
    """Refuse empty values, and outputs that cannot be written or would overwrite an input,
    before any work."""
    for action in _actions(parser, args):
        value = getattr(args, action.dest, None)
        if value == "" or (isinstance(value, list) and "" in value):
            name = action.option_strings[-1] if action.option_strings else (action.metavar or action.dest)
            raise UsageError(f"argument {name}: expected a value, got an empty string")
    # Each command declares, with set_defaults, which of its options name files it writes
    # (outputs: {dest: what it is}), new folders it makes (folders), data sets it reads
    # (data_inputs) and files it reads as given (file_inputs), and may add its own check of them.
    outputs = {what: getattr(args, dest) for dest, what in getattr(args, "outputs", {}).items()
               if getattr(args, dest, None)}
    folders = {what: getattr(args, dest) for dest, what in getattr(args, "folders", {}).items()
               if getattr(args, dest, None)}
    if not (outputs or folders):
        return
    from ..io.atomic import check_new_folder, check_new_names, check_outputs

    inputs, names = _inputs(args)
    check_outputs(outputs, inputs)
    for what, path in folders.items():
        check_new_folder(path, what, inputs)
    if getattr(args, "check", None) is not None:      # the command's own rules about its outputs
        args.check(args)
    check_new_names(outputs, names)


def _inputs(args) -> tuple[list, list]:
    """What the command reads (files, and folders whose files it reads) and the names its data
    folders' readers look for (see `io.sources.names_read`)."""
    inputs, names = [], []
    data = [getattr(args, dest) for dest in getattr(args, "data_inputs", ()) if getattr(args, dest, None) is not None]
    if data:
        from ..io.sources import files_read, names_read

        for path in data:
            inputs += files_read(path)
            names += names_read(path)
    for dest in getattr(args, "file_inputs", ()):
        value = getattr(args, dest, None)
        inputs += value if isinstance(value, list) else [value]
    return [p for p in inputs if p is not None], names


def _actions(parser, args):
    """The argparse actions of the command that was chosen (sub-commands followed)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None))
            if chosen is not None:
                yield from _actions(chosen, args)
        else:
            yield action


def _shown(text) -> str:
    from .output import shown

    return shown(text)


def _release_stdout() -> None:
    """Flush what is left for standard output; where it cannot be written any more, let it go."""
    try:
        sys.stdout.flush()
    except OSError:
        _silence_stdout()


def _silence_stdout() -> None:
    # What is still buffered can never be written; pointing the descriptor at /dev/null lets
    # the interpreter's own flush at exit succeed instead of printing an "ignored" error.
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def _say(line: str) -> None:
    """Print one line on stderr, whatever state stderr is in."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass                                 # nowhere left to say it; the exit status still tells
