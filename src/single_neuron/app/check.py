"""`single_neuron.check`: a learner's functions of the week judged one by one, in a child process.

    check("my_notebook.ipynb")       a .py file or a notebook, as it is on the disk
    check(globals())                 from a notebook's cell: the functions defined there
    check([sigmoid, propagate])      a list of functions (their names say which is which)

returns a `Report`: its repr is the report a person reads, `to_dict()` the object that
`single-neuron check --json` prints. Each function of the two assignments that is found is
`correct`, `wrong` (it returns something else), `error` (it raises) or, for the functions of an
assignment the file has begun but not defined, `missing`; see `teaching.judging` for how a
function is judged and `teaching.mistakes` for the catalogue of mistakes it names.

The learner's code runs only in a child process (`sandbox`) with a time limit (`timeout`
seconds for all of it: the file's definitions and every probe) and a memory limit
(`memory_limit` bytes beyond what the process held); what it prints is kept apart from the
report. A limit that is reached, or a child that dies, is one `LearnerCodeError` naming the
limit, the function that was running and its line.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputValueError, LearnerCodeError
from ..io.text import shown
from ..sizes import size_text
from ..teaching.exercises import ASSIGNMENTS, EXERCISES, NAMES
from ..teaching.judging import STATUSES, Verdict, defined_at, judge, learner_file_label
from . import sandbox

DEFAULT_TIMEOUT = 10.0               # seconds for all of a learner's code
DEFAULT_MEMORY = 2**30               # bytes of memory beyond what the process held
MAX_TIMEOUT = 10.0**6                # seconds (11 days): beyond, the system's timers overflow
MIN_MEMORY = 2**20                   # bytes: below, the child cannot even start NumPy's work
HINTS = {sandbox.TIMED_OUT: "--timeout on the command line, timeout= in Python",
         sandbox.OUT_OF_MEMORY: "--memory-limit on the command line, memory_limit= in Python"}


@dataclass
class Report:
    """The verdicts on a learner's functions, in the file's order, then the missing ones."""

    source: str
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)        # statements of the file that did not run
    printed: str = ""                                     # the start of what the learner's code printed
    printed_bytes: int = 0

    @property
    def found(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status != "missing"]

    @property
    def correct(self) -> int:
        return sum(v.status == "correct" for v in self.verdicts)

    @property
    def wrong(self) -> int:
        """Functions found that are not correct: they return something else or raise."""
        return sum(v.status in ("wrong", "error") for v in self.verdicts)

    @property
    def ok(self) -> bool:
        """True when functions were found and every one of them is correct."""
        return bool(self.found) and self.wrong == 0

    def __getitem__(self, name: str) -> Verdict:
        for verdict in self.verdicts:
            if verdict.name == NAMES.get(name, name):
                return verdict
        raise KeyError(name)

    def __contains__(self, name) -> bool:
        """Whether the report has a verdict (missing included) on the function `name`."""
        return isinstance(name, str) and any(v.name == NAMES.get(name, name) for v in self.verdicts)

    def __iter__(self):
        """The verdicts, in the report's order."""
        return iter(self.verdicts)

    def to_dict(self) -> dict:
        return {"file": self.source, "functions": [v.to_dict() for v in self.verdicts], "correct": self.correct,
                "wrong": self.wrong}

    def lines(self) -> list[str]:
        """The report for a person, one line each: a summary, a table of the functions, then each wrong
        function explained."""
        found = self.found
        if not found:
            names = ", ".join(sorted(NAMES))
            return [f"{shown(self.source)}: no function of the week's assignments found (looked for {names})"] \
                + self._notes()
        lines = self._table(found)
        for v in found:
            if v.status != "correct":
                lines += ["", f"{v.name}: {v.status}" + (f", {', '.join(v.mistakes)}" if v.mistakes else "")]
                lines += ["  " + shown(line) for line in v.message.splitlines()]
        return lines + self._notes()

    def _table(self, found: list[Verdict]) -> list[str]:
        counts = [f"{n} {word}" for n, word in ((self.correct, "correct"),
                                               (sum(v.status == "wrong" for v in found), "wrong"),
                                               (sum(v.status == "error" for v in found), "raising an error")) if n]
        plural = "s" if len(found) > 1 else ""
        lines = [f"{shown(self.source)}: {len(found)} function{plural} checked: {', '.join(counts)}"]
        width = max(len(v.name) for v in found)
        for v in found:
            what = ", ".join(v.mistakes) if v.mistakes else ("" if v.status == "correct" else "(not in the catalogue)")
            lines.append(f"  {v.name:{width}}  {v.status:7}  {what}".rstrip()
                         + (f"  [{shown(v.where)}]" if v.where else ""))
        missing = [v.name for v in self.verdicts if v.status == "missing"]
        if missing:
            lines.append(f"  missing: {', '.join(missing)} (not defined)")
        return lines

    def _notes(self) -> list[str]:
        out = []
        if self.notes:
            out += ["", "Statements the functions need that did not run:"] + [f"  {shown(n)}" for n in self.notes]
        if self.printed_bytes:
            out += ["", f"(what the functions printed while they were checked, {size_text(self.printed_bytes)}, "
                        "is not shown here)"]
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    __str__ = __repr__


def check(obj, *, timeout: float = DEFAULT_TIMEOUT, memory_limit: int | None = DEFAULT_MEMORY) -> Report:
    """Judge the learner's functions in `obj`: a path to a .py file or a notebook, a mapping of names to
    functions (a notebook's `globals()`), or a list of functions. See the module's docstring."""
    timeout, memory_limit = _limits(timeout, memory_limit)
    if isinstance(obj, (str, bytes, os.PathLike)):
        return check_files([obj], timeout=timeout, memory_limit=memory_limit)[0]
    functions = _functions(obj)
    source = "the functions given"
    label_of = _notebook_labels(obj if isinstance(obj, Mapping) else _namespace_of(functions.values()))

    def work(send):
        for course_name, function in functions.items():
            send({"running": course_name})
            send({"verdict": _judged_apart(course_name, lambda: judge(course_name, function, label_of).to_dict(),
                                           defined_at(function, label_of))})

    state = {"label_of": label_of}
    run = sandbox.run_in_child(work, seconds=timeout, memory=memory_limit, locate=_locate(state))
    report = Report(source)
    _collect(run, [report], [source], timeout, memory_limit)
    return report


def check_files(paths, *, timeout: float = DEFAULT_TIMEOUT, memory_limit: int | None = DEFAULT_MEMORY) -> list[Report]:
    """One report per file of `paths`, all checked in one child process, one after the other: a time
    limit reached in one ends them all (`timeout` is for all the files' code together)."""
    import linecache

    from ..io.code_files import read_cells
    from ..teaching.learner_code import plan

    timeout, memory_limit = _limits(timeout, memory_limit)
    paths = [os.fsdecode(p) for p in paths]
    # read and planned here, before the child starts: a bad file is one line before any code runs, and
    # the time limit is the learner's code's alone
    plans = [plan(read_cells(path), path) for path in paths]
    state = {"label_of": lambda filename: None}

    def work(send):
        for index, (path, the_plan) in enumerate(zip(paths, plans)):
            _check_file(path, the_plan, lambda message: send({"file": index, **message}), state)

    try:
        run = sandbox.run_in_child(work, seconds=timeout, memory=memory_limit, locate=_locate(state))
    finally:
        for filename in (name for the_plan in plans for name in the_plan.labels):
            linecache.cache.pop(filename, None)          # the cells' text was for the child's messages
    reports = [Report(path) for path in paths]
    _collect(run, reports, paths, timeout, memory_limit)
    return reports


def _check_file(path: str, the_plan, send, state: dict) -> None:
    """In the child: run what `the_plan` needs of the file at `path`, then judge each of its functions."""
    import types

    from ..teaching.learner_code import run_plan

    send({"running": f"the code of {os.path.basename(path)} that its functions need"})
    folder = os.path.dirname(os.path.abspath(path))
    os.chdir(folder)                                       # as Jupyter runs a notebook: in its folder
    sys.path.insert(0, folder)
    state["label_of"] = the_plan.labels.get
    # a module of its own, known to sys.modules: the learner's functions pickle by reference (a Pool's map)
    module = types.ModuleType("__learner__")
    module.__file__ = path
    sys.modules[module.__name__] = module
    namespace = module.__dict__
    notes = run_plan(the_plan, namespace)
    for course_name, learner_name in the_plan.defined.items():
        function = namespace.get(learner_name)
        if _ours(function):                                # imported from the library: a reference
            continue
        send({"running": course_name})
        where = defined_at(function, the_plan.labels.get) or the_plan.places.get(course_name)
        if callable(function):
            fields = _judged_apart(course_name, lambda: judge(course_name, function, the_plan.labels.get).to_dict(),
                                   where)
        else:
            fields = Verdict(course_name, "error", message=f"{learner_name} is not a function once the file's "
                             f"definitions have run (it is {type(function).__name__})", where=where).to_dict()
        send({"verdict": fields})
    for course_name, why in the_plan.unreadable.items():
        send({"verdict": Verdict(course_name, "error", message=why, where=the_plan.places[course_name]).to_dict()})
    send({"notes": notes})
    if folder in sys.path:                                 # (unless the learner's code took it out)
        sys.path.remove(folder)


def _judged_apart(course_name: str, judging, where: str | None) -> dict:
    """`judging()`, a verdict's fields, run in a fork of its own (`sandbox.isolated`): each function is
    judged with the namespace as the definitions left it, whatever the functions judged before did to
    it, and a function that ends its process is an error of its own."""
    fields = sandbox.isolated(judging)
    if "ended" not in fields:
        return fields
    return Verdict(course_name, "error", message=f"it ended the process running it ({fields['ended']}) instead of "
                   "returning: a function of the assignments returns its result; sys.exit, os._exit and signals "
                   "end the whole program", where=where).to_dict()


def _limits(timeout, memory_limit) -> tuple[float, int | None]:
    from ..sizes import MAX_SIZE
    from ..validation import positive_number

    if isinstance(timeout, (str, bytes)):                 # text is no number here, whatever it reads
        raise InputValueError(f"timeout: expected a number of seconds, got {type(timeout).__name__} "
                              f"{repr(timeout)[:40]}")
    timeout = positive_number("timeout", timeout)
    if timeout > MAX_TIMEOUT:
        raise InputValueError(f"timeout: expected a number of seconds > 0 and at most {MAX_TIMEOUT:g}, got {timeout:g}")
    if memory_limit is not None:
        if (isinstance(memory_limit, bool) or not isinstance(memory_limit, int)
                or not MIN_MEMORY <= memory_limit <= MAX_SIZE):
            shown = repr(memory_limit) if len(repr(memory_limit)) <= 40 else f"{repr(memory_limit)[:20]}..."
            raise InputValueError(f"memory_limit: expected a whole number of bytes from 1 MiB to {MAX_SIZE:,}, "
                                  f"or None, got {shown}")
    return timeout, memory_limit


def _functions(obj) -> dict:
    """The course's name -> the learner's function, from a mapping or a list of functions. The library's
    own functions (imported into a notebook) are the references, not the learner's: they are left out."""
    if isinstance(obj, Mapping):
        items = [(name, value) for name, value in obj.items() if isinstance(name, str)]
    elif isinstance(obj, (list, tuple)):
        items = [(getattr(f, "__name__", None), f) for f in obj]
        unknown = [repr(name) for name, f in items if name not in NAMES]
        if unknown:
            raise InputValueError(f"check: {', '.join(unknown)} is not the name of a function of the week's "
                                  f"assignments ({', '.join(sorted(NAMES))})")
    else:
        raise InputValueError(f"check: expected a path to a .py file or a notebook, a mapping such as globals(), "
                              f"or a list of functions, got {type(obj).__name__}")
    out = {}
    for name, value in items:
        if name in NAMES and callable(value) and not _ours(value):
            out[NAMES[name]] = value
    return out


def _notebook_labels(namespace: Mapping):
    """In a notebook's globals(), `In` holds the cells run so far: a cell's code is named "In [n]", as
    Jupyter shows it, instead of the kernel's file name for it (a number in a temporary folder)."""
    import linecache

    inputs = namespace.get("In")
    if not isinstance(inputs, list):
        return learner_file_label
    numbers = {text.strip(): n for n, text in enumerate(inputs) if isinstance(text, str) and text.strip()}

    def label_of(filename: str) -> str | None:
        label = learner_file_label(filename)
        if label is None:
            return None
        number = numbers.get("".join(linecache.getlines(filename)).strip())
        return label if number is None else f"In [{number}]"
    return label_of


def _namespace_of(functions) -> Mapping:
    """The globals of the first function given that has them (a notebook's, for its cells' names)."""
    for function in functions:
        space = getattr(function, "__globals__", None)
        if isinstance(space, Mapping):
            return space
    return {}


def _ours(function) -> bool:
    return (getattr(function, "__module__", None) or "").split(".")[0] == "single_neuron"


def _locate(state: dict):
    """For the sandbox: the learner's innermost line in the stack that `frame` ends."""
    def where(frame) -> dict:
        place = None
        while frame is not None and place is None:
            label = state["label_of"](frame.f_code.co_filename)
            if label is not None:
                place = f"{label}, line {frame.f_lineno}"
                import linecache

                text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
                place += f": `{text[:80]}`" if text else ""
            frame = frame.f_back
        return {"where": place}
    return where


def _collect(run: sandbox.ChildRun, reports: list[Report], sources: list[str], timeout: float,
             memory_limit: int | None) -> None:
    """Fill `reports` from what the child sent; raise LearnerCodeError for a limit reached or a crash."""
    running, index = None, 0
    for message in run.messages:
        index = message.get("file", index)
        if "running" in message:
            running = message["running"]
        if "verdict" in message:
            reports[index].verdicts.append(_verdict(message["verdict"], sources[index]))
        if "notes" in message:
            reports[index].notes += message["notes"]
        if "limit" in message:
            raise LearnerCodeError(_limit_line(message["limit"], sources[index], running, message.get("where"),
                                               timeout, memory_limit,
                                               outside="where" in message and not message["where"]))
        if "crash" in message:
            raise LearnerCodeError(f"{shown(sources[index])}: checking stopped unexpectedly "
                                   f"({shown(message['crash'])[:300]})")
    if run.killed_at_deadline or run.signal == getattr(signal, "SIGXCPU", None):     # (the CPU-time limit)
        raise LearnerCodeError(_limit_line(sandbox.TIMED_OUT, sources[index], running, None, timeout, memory_limit))
    if not run.done:
        how = f"signal {run.signal}" if run.signal is not None else f"exit status {run.exit_status}"
        raise LearnerCodeError(f"{shown(sources[index])}: the process running the code ended before the check did "
                               f"({how}" + (f", while {running} was running)" if running else ")"))
    text = run.printed.decode("utf-8", "backslashreplace")
    for report in reports:
        report.printed, report.printed_bytes = text, run.printed_bytes
        _add_missing(report)


def _verdict(fields, source: str) -> Verdict:
    """A verdict as the child sent it, checked: the learner's code shares the child with the sender."""
    try:
        verdict = Verdict(**fields)
        if verdict.status in STATUSES and all(isinstance(m, str) for m in verdict.mistakes):
            return verdict
    except TypeError:
        pass
    raise LearnerCodeError(f"{shown(source)}: checking stopped unexpectedly (an unreadable verdict)")


def _limit_line(kind: str, source: str, running: str | None, where: str | None, timeout: float,
                memory_limit: int | None, outside: bool = False) -> str:
    who = running or "the code"
    at = f" (at {where})" if where else ""
    if outside:                 # none of the learner's lines was running: the check's own work reached it
        limit = f"time limit of {timeout:g} s" if kind == sandbox.TIMED_OUT else \
            f"memory limit of {size_text(memory_limit)}"
        what = f"the {limit} was reached outside your code, while checking {who}: the check itself needs more"
    elif kind == sandbox.TIMED_OUT:
        what = f"{who} was still running after the time limit of {timeout:g} s{at}: an endless loop?"
    else:
        what = f"{who} needed more memory than the limit of {size_text(memory_limit)}{at}"
    return f"{shown(source)}: {shown(what)} (the limit: {HINTS[kind]})"


def _add_missing(report: Report) -> None:
    """The functions of an assignment the file has begun (defined one of its functions but sigmoid,
    which both have) that it does not define."""
    found = {v.name for v in report.verdicts}
    missing = []
    for names in ASSIGNMENTS.values():
        if found & (set(names) - {"sigmoid"}):
            missing += [n for n in names if n not in found and n not in missing]
    report.verdicts += [Verdict(name, "missing", message="not defined") for name in EXERCISES if name in missing]
