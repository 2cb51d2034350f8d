"""A learner's function judged by what it does: run on the probes, compared with the reference and
with every catalogued mistake, and explained in the notes' words.

For one function of the week's assignments:

1. it runs on each probe of `exercises` (a fresh copy of the inputs each time), with the
   references standing in for the other functions of the assignments in its namespace, so
   that a learner's optimize calls the library's propagate and a mistake is reported once,
   where it is;
2. what came back (values, shapes and types; whether an input was changed in place), or the
   kind of failure it raised, is compared with the reference on the same probe: equal
   everywhere (numbers to a relative 1e-6) is `correct`;
3. otherwise each mistake of `mistakes`, applied to the course's code, is run on the same
   probes; a mistake is named when it reproduces the learner's outcome on every probe. Two, then
   three mistakes at once are tried, in their usual forms, when no single one does;
4. the verdict says what the mistake is, the notes' formula it breaks, what came back against
   what should have on the smallest probe that shows it, the broadcast step by step where
   broadcasting made the wrong shape, and a fix in words. Where nothing in the catalogue
   reproduces it, it says exactly what differs.

This module only judges: it runs whatever it is given in the calling process. Running a
learner's code safely (a child process with time and memory limits, their output kept apart)
is `app.check`'s.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import itertools
import linecache
import os
import re
import sysconfig
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..validation import shape_text
from .broadcasting import broadcast_steps
from .exercises import EXERCISES, NAMES, Exercise, Probe
from .mistakes import SLIPPED, Mistake, mistakes_of

RTOL, ATOL = 1e-6, 1e-9          # "the same numbers": what rounding can explain, nothing more
STATUSES = ("correct", "wrong", "error", "missing")


@dataclass
class Verdict:
    """What one function of the learner's does, against the notes."""

    name: str
    status: str                        # correct, wrong (returns something else), error (raises), missing
    mistakes: list[str] = field(default_factory=list)
    message: str = ""
    expected: str | None = None
    got: str | None = None
    where: str | None = None           # where the learner defined it

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "mistakes": list(self.mistakes), "message": self.message,
                "expected": self.expected, "got": self.got, "where": self.where}


@dataclass
class Outcome:
    """What one call did: the value it returned or the exception it raised, the inputs it changed."""

    value: object = None
    error: BaseException | None = None
    where: str | None = None           # the learner's line that raised
    changed: dict = field(default_factory=dict)
    warned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Difference:
    """The first thing that differs between two outcomes."""

    part: str                          # what differs: 'grads["dw"]', "the caller's w", ...
    expected: str
    got: str
    detail: str = ""


# ----------------------------------------------------------------------------------- judging


def judge(name: str, function: Callable, label_of: Callable[[str], str | None] | None = None) -> Verdict:
    """The verdict on `function`, the learner's version of the exercise `name` (a course name or an
    alias). `label_of(filename)` names a file of the learner's code for the messages ("cell 7"), or
    returns None for code that is not the learner's; by default every file outside the library,
    NumPy and Python's own is the learner's."""
    exercise = EXERCISES[NAMES[name]]
    label_of = label_of or learner_file_label
    where = defined_at(function, label_of)
    with _stand_ins(function, exercise.name):
        learner = [call(function, exercise, probe, label_of) for probe in exercise.probes]
    reference = [reference_outcome(exercise, i) for i in range(len(exercise.probes))]
    differences = [outcome_difference(r, l, exercise) for r, l in zip(reference, learner)]
    if not any(differences):
        return Verdict(exercise.name, "correct", message=f"the same as the notes' {exercise.signature} on all "
                       f"{len(exercise.probes)} probes", where=where)
    status = "error" if any(o.error is not None for o in learner) else "wrong"
    found = explanations(exercise, learner)
    hypothesis = found[0] if len(found) == 1 else ()
    shown = _shown_probe(exercise, differences, hypothesis)
    probe, difference = exercise.probes[shown], differences[shown]
    lines = _what_went_wrong(hypothesis) if hypothesis else _not_in_the_catalogue(exercise, found, reference, learner)
    lines += _evidence(probe, difference, learner[shown])
    lines += _broadcasts(hypothesis, probe)
    lines += [f"Fix: {mistake.fix}" for mistake, _ in hypothesis]
    lines += _helpers_said(function, label_of)
    return Verdict(exercise.name, status, [m.id for m, _ in hypothesis], "\n".join(lines),
                   f"{difference.part}: {difference.expected}", f"{difference.part}: {difference.got}", where)


def _helpers_said(function, label_of) -> list[str]:
    """A note naming the learner's own helper functions that `function` calls: they run as they are
    (only the assignments' functions are replaced by the notes'), so a mistake found may be theirs."""
    space = getattr(function, "__globals__", None)
    code = getattr(inspect.unwrap(function) if callable(function) else function, "__code__", None)
    if not isinstance(space, dict) or code is None:
        return []
    names, codes = [], [code]
    while codes:
        current = codes.pop()
        names += current.co_names
        codes += [c for c in current.co_consts if inspect.iscode(c)]
    helpers = [name for name in dict.fromkeys(names) if name not in NAMES and inspect.isfunction(space.get(name))
               and label_of(space[name].__code__.co_filename) is not None]
    if not helpers:
        return []
    named = ", ".join(helpers)
    return [f"It calls your own {named}, run as it is (the notes' versions stand in only for the assignments' "
            f"functions): the mistake may be in {named}."]


def _what_went_wrong(hypothesis) -> list[str]:
    if len(hypothesis) == 1:
        mistake, form = hypothesis[0]
        return [f"What went wrong: {mistake.said(form)}.", f"The notes: {mistake.formula}."]
    return [f"What went wrong: {len(hypothesis)} mistakes at once."] + \
        [f"- {mistake.said(form)} (the notes: {mistake.formula})." for mistake, form in hypothesis]


def _not_in_the_catalogue(exercise: Exercise, found, reference: list[Outcome], learner: list[Outcome]) -> list[str]:
    lines = ["What went wrong: no mistake of the catalogue does this; compare with the notes.",
             f"The notes: {exercise.formula}."]
    if found:
        lines.append("It behaves like each of these sets of mistakes: "
                     + "; ".join(" + ".join(m.id for m, _ in h) for h in found) + ".")
    return lines + _right_and_wrong(exercise, reference, learner)


def _broadcasts(hypothesis, probe: Probe) -> list[str]:
    """The broadcasts the mistakes make on `probe`, step by step."""
    lines = []
    for mistake, form in hypothesis:
        if mistake.broadcast is not None:
            steps = broadcast_steps(*mistake.broadcast(probe.args, form))
            lines.append("Broadcasting, step by step: " + steps[0])
            lines += ["  " + step for step in steps[1:]]
    return lines


def _shown_probe(exercise: Exercise, differences: list, hypothesis) -> int:
    """The probe to show: the smallest on which the learner's function differs from the notes. For a
    mistake that was named, rather one that is not degenerate (m = 1 shows a rank-1 row as (1,)
    against (1, 1)) and, for a mistake that broadcasts, one on which broadcasting stretches an operand."""
    differing = [i for i, d in enumerate(differences) if d]
    if hypothesis:
        differing = [i for i in differing if not exercise.probes[i].edge] or differing
    stretching = [i for i in differing
                  if any(m.broadcast is not None and _stretches(m.broadcast(exercise.probes[i].args, form))
                         for m, form in hypothesis)]
    return min(stretching or differing, key=lambda i: exercise.probes[i].size)


def _stretches(operands) -> bool:
    (_, left), _, (_, right) = operands
    return tuple(left) != tuple(right)


def explanations(exercise: Exercise, learner: list[Outcome]) -> list[tuple[tuple[Mistake, str], ...]]:
    """The hypotheses, each a tuple of (mistake, form), that reproduce the learner's outcomes on every
    probe. One mistake in each of its forms first: no two of them behave alike on the probes (the
    tests prove it), so the first that reproduces is the one. Then two, then three mistakes at once
    in their usual forms, all that reproduce."""
    mistakes = mistakes_of(exercise.name)
    for mistake in mistakes:
        for form in mistake.forms:
            if _reproduces(exercise, ((mistake, form),), learner):
                return [((mistake, form),)]
    for count in (2, 3):
        found = [tuple((m, next(iter(m.forms))) for m in chosen)
                 for chosen in itertools.combinations(mistakes, count)]
        found = [h for h in found if _reproduces(exercise, h, learner)]
        if found:
            return found
    return []


def _right_and_wrong(exercise: Exercise, reference: list[Outcome], learner: list[Outcome]) -> list[str]:
    """Which parts of the result are right on every probe and which are not, where it returned."""
    pairs = [(r.value, l.value) for r, l in zip(reference, learner) if r.error is None and l.error is None]
    parts = _parts(exercise, pairs[0][0]) if pairs else []
    if len(parts) < 2:
        return []
    right, wrong = [], []
    for part, pick in parts:
        try:
            same = all(_difference(pick(r), pick(l), part, part in exercise.strict_floats) is None
                       for r, l in pairs)
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception:                   # the learner's result has no such part, or will not compare
            same = False
        (right if same else wrong).append(part)
    if not right or not wrong:
        return []
    return [f"Right on every probe: {', '.join(right)}; different: {', '.join(wrong)}."]


def _parts(exercise: Exercise, value) -> list[tuple[str, Callable]]:
    """The named parts of a result, a dict's keys one by one: [('grads["dw"]', picker), ...]."""
    outputs = exercise.outputs
    tops = [(outputs[0], lambda v: v)] if len(outputs) == 1 else \
        [(name, lambda v, i=i: v[i]) for i, name in enumerate(outputs)]
    parts = []
    for name, pick in tops:
        inner = pick(value)
        if isinstance(inner, Mapping):
            parts += [(f'{name}["{key}"]', lambda v, pick=pick, key=key: pick(v)[key]) for key in inner]
        else:
            parts.append((name, pick))
    return parts


def _reproduces(exercise: Exercise, hypothesis, learner: list[Outcome]) -> bool:
    for i in range(len(exercise.probes)):
        if outcome_difference(slipped_outcome(exercise, hypothesis, i), learner[i], exercise) is not None:
            return False
    return True


_OUTCOMES: dict = {}           # (exercise, hypothesis, probe) -> Outcome: the same for every learner


def slipped_outcome(exercise: Exercise, hypothesis, i: int) -> Outcome:
    """The outcome on probe `i` of the course's code with the mistakes of `hypothesis` switched on."""
    key = (exercise.name, tuple((m.key, form) for m, form in hypothesis), i)
    if key not in _OUTCOMES:
        slips = {m.key: form for m, form in hypothesis}
        run = SLIPPED[exercise.name]
        _OUTCOMES[key] = call(lambda *a, **k: run(*a, slips=slips, **k), exercise, exercise.probes[i],
                              lambda filename: None)
    return _OUTCOMES[key]


def reference_outcome(exercise: Exercise, i: int) -> Outcome:
    """The outcome of the library's reference on probe `i` (of a dict, the course's keys only)."""
    key = (exercise.name, "reference", i)
    if key not in _OUTCOMES:
        outcome = call(exercise.reference, exercise, exercise.probes[i], lambda filename: None)
        if exercise.keys and isinstance(outcome.value, dict):
            outcome.value = {k: outcome.value[k] for k in exercise.keys}
        _OUTCOMES[key] = outcome
    return _OUTCOMES[key]


def call(function: Callable, exercise: Exercise, probe: Probe, label_of) -> Outcome:
    """Run `function` on a fresh copy of `probe`'s inputs; what it returned or raised, and changed.

    MemoryError and KeyboardInterrupt are not outcomes: they go on to the caller."""
    args, kwargs = copy.deepcopy(probe.args), copy.deepcopy(probe.kwargs)
    with warnings.catch_warnings(record=True) as caught, forks_stay_out():
        warnings.simplefilter("always")
        try:
            value = function(*args, **kwargs)
            error = None
        except (MemoryError, KeyboardInterrupt):
            raise
        except BaseException as exc:           # the learner's code may raise anything, SystemExit included
            value, error = None, exc
    warned = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    if error is not None:
        where = failure_place(error.__traceback__, label_of)
        error.__traceback__ = None             # frames hold the learner's locals: let them go
        return Outcome(error=error, where=where, warned=warned)
    changed = {name: after for name, before, after in zip(exercise.parameters, probe.args, args)
               if isinstance(before, np.ndarray) and not _same_array(before, after)}
    return Outcome(value=value, changed=changed, warned=warned)


@contextlib.contextmanager
def forks_stay_out():
    """Around a call of the learner's code: a copy of the process that the code forked and that comes
    back here (returns, raises, exits with SystemExit) ends at once, without a word, so that only the
    process that made the call goes on judging."""
    pid = os.getpid()
    try:
        yield
    finally:
        if os.getpid() != pid:
            os._exit(0)


def _same_array(before: np.ndarray, after) -> bool:
    return isinstance(after, np.ndarray) and after.shape == before.shape and np.array_equal(before, after)


@contextlib.contextmanager
def _stand_ins(function, name: str):
    """While `function` runs, the references stand in for the other functions of the assignments in its
    namespace (its module's globals; a notebook's namespace), and are taken out again afterwards."""
    space = getattr(function, "__globals__", None)
    if not isinstance(space, dict):
        yield
        return
    missing = object()
    others = [n for n, course_name in NAMES.items() if course_name != name]
    saved = {n: space.get(n, missing) for n in others}
    try:
        for n in others:
            space[n] = EXERCISES[NAMES[n]].reference
        yield
    finally:
        for n, value in saved.items():
            if value is missing:
                space.pop(n, None)
            else:
                space[n] = value


# ------------------------------------------------------------------------------- comparing


def outcome_difference(expected: Outcome, got: Outcome, exercise: Exercise) -> Difference | None:
    """The first difference between two outcomes of one probe, or None where they are the same: the
    same values, shapes and types, the same inputs changed the same way, or the same kind of failure."""
    if expected.error is not None or got.error is not None:
        return _failure_difference(expected, got, exercise)
    difference = _result_difference(expected, got, exercise)
    if difference is not None:
        return difference
    return _changed_difference(expected, got, exercise)


def _failure_difference(expected: Outcome, got: Outcome, exercise: Exercise) -> Difference | None:
    """Where either outcome is a failure: the same only when both failed the same way."""
    if expected.error is not None and got.error is not None:
        if failure_kind(expected.error) == failure_kind(got.error):
            return None
    return Difference("the result", _outcome_said(expected, exercise), _outcome_said(got, exercise))


def _result_difference(expected: Outcome, got: Outcome, exercise: Exercise) -> Difference | None:
    try:
        return _value_difference(expected.value, got.value, exercise)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:                # an object of the learner's whose comparison itself fails
        return Difference("the result", describe_value(expected.value),
                          f"something that cannot be compared with it ({type(exc).__name__})")


def _changed_difference(expected: Outcome, got: Outcome, exercise: Exercise) -> Difference | None:
    """The first parameter the call changed in place differently (or where only one call changed it)."""
    for name in exercise.parameters:
        before, after = expected.changed.get(name), got.changed.get(name)
        if before is None and after is None:
            continue
        part = f"the caller's {name}, after the call"
        if before is None or after is None:
            return Difference(part, "unchanged" if before is None else f"changed in place to {describe_value(before)}",
                              "unchanged" if after is None else f"changed in place to {describe_value(after)}")
        found = _difference(before, after, part, strict=False)
        if found is not None:
            return found
    return None


def failure_kind(exc: BaseException) -> str:
    """The kind of a failure: "shapes" for NumPy's refusals of shapes that do not fit (a matrix product
    or a broadcast, however it was written), else the exception's type."""
    if isinstance(exc, ValueError) and re.search(r"broadcast|not aligned|matmul|core dimension|einsum|"
                                                 r"does not match|operand", str(exc)):
        return "shapes"
    return type(exc).__name__


def _value_difference(expected, got, exercise: Exercise) -> Difference | None:
    outputs = exercise.outputs
    if len(outputs) == 1:
        return _difference(expected, got, outputs[0], outputs[0] in exercise.strict_floats)
    if not isinstance(got, (tuple, list)) or len(got) != len(outputs):
        return Difference("the result", f"{len(outputs)} values: {', '.join(outputs)}", describe_value(got))
    for name, e, g in zip(outputs, expected, got):
        found = _difference(e, g, name, name in exercise.strict_floats)
        if found is not None:
            return found
    return None


def _kind(value, strict: bool) -> str:
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, np.ndarray):
        return "float" if value.ndim == 0 and value.dtype.kind in "fiu" and not strict else "array"
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def _difference(expected, got, part: str, strict: bool) -> Difference | None:
    kind = _kind(expected, strict)
    other_type = _type_difference(expected, got, part, strict, kind)
    if other_type is not None:
        return other_type
    if kind == "array":
        return _array_difference(expected, got, part)
    if kind in ("float", "int"):
        e, g = float(np.asarray(expected)), float(np.asarray(got))
        return None if _close(e, g) else Difference(part, describe_value(expected), describe_value(got))
    if kind == "sequence":
        if len(expected) != len(got):
            return Difference(part, describe_value(expected), describe_value(got))
        for i, (e, g) in enumerate(zip(expected, got)):
            found = _difference(e, g, f"{part}[{i}]", strict=False)
            if found is not None:
                return found
        return None
    if kind == "mapping":
        for key in expected:
            inner = f"{part}[{key!r}]".replace("'", '"')
            if key not in got:
                return Difference(inner, describe_value(expected[key]), f"nothing: {part} has no key {key!r}")
            found = _difference(expected[key], got[key], inner, strict=False)
            if found is not None:
                return found
        return None
    if kind in ("None", "bool", "str"):
        return None if expected == got else Difference(part, describe_value(expected), describe_value(got))
    return Difference(part, describe_value(expected), describe_value(got))


def _type_difference(expected, got, part: str, strict: bool, kind: str) -> Difference | None:
    if _kind(got, strict) != kind:
        return Difference(part, describe_value(expected), describe_value(got))
    if strict and type(expected) is float and type(got) is not float:
        # the course checks type(b) == float: a NumPy scalar (np.float64 is a float subclass) fails it
        return Difference(part, describe_value(expected), describe_value(got),
                          f"it is a NumPy {type(got).__name__}, where the course's checks require a Python float "
                          f"(type({part}) == float)")
    return None


def _close(e: float, g: float) -> bool:
    return bool(np.isclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True))


def _array_difference(expected: np.ndarray, got: np.ndarray, part: str) -> Difference | None:
    if expected.shape != got.shape:
        return Difference(part, describe_value(expected), describe_value(got),
                          f"the shape is {shape_text(got.shape)} where it should be {shape_text(expected.shape)}")
    if got.dtype.kind not in "biuf":
        return Difference(part, describe_value(expected), describe_value(got), f"it holds {got.dtype}, not numbers")
    near = np.isclose(got.astype(np.float64), expected.astype(np.float64), rtol=RTOL, atol=ATOL, equal_nan=True)
    if near.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~near)[0])
    return Difference(part, describe_value(expected), describe_value(got),
                      f"element [{', '.join(map(str, index))}] is {_number(got[index])} where the notes give "
                      f"{_number(expected[index])}")


# ------------------------------------------------------------------------------- describing


def describe_value(value) -> str:
    """What a value is, for a learner: its type, shape and (the first few of) its numbers."""
    try:
        return _described(value)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception:                       # a learner's object that will not say what it holds
        return f"an object of type {type(value).__name__}"


def _described(value) -> str:
    kind = _kind(value, strict=True)
    if kind in _DESCRIBED:
        return _DESCRIBED[kind](value)
    if kind == "float":
        return f"the float {_float(value)}" + ("" if type(value) in (float, np.float64) else
                                                f" ({type(value).__name__})")
    if kind == "sequence":
        what = "list" if isinstance(value, list) else "tuple"
        if len(value) == 0:
            return f"an empty {what}"
        parts = [_short(v) for v in value[:4]] + (["..."] if len(value) > 4 else [])
        return f"a {what} of {len(value)}: [{', '.join(parts)}]"
    if kind == "mapping":
        keys = ", ".join(repr(k)[:40] for k in list(value)[:8])
        return f"a dict with the keys {keys}" if keys else "an empty dict"
    return f"an object of type {type(value).__name__}"


_DESCRIBED = {
    "None": lambda value: "None",
    "bool": lambda value: f"the bool {value}",
    "int": lambda value: f"the int {value}",
    "array": lambda value: f"an array of shape {shape_text(value.shape)}: {_numbers(value)}",
    "str": lambda value: f"the text {value if len(value) <= 60 else value[:57] + '...'!r}",
}


def _short(value) -> str:
    kind = _kind(value, strict=True)
    if kind == "float":
        return _float(value)
    if kind == "array":
        return f"array {shape_text(value.shape)}"
    return describe_value(value)


def _number(value) -> str:
    return f"{float(np.asarray(value)):.8g}"


def _float(value) -> str:
    """A float as a float reads: 0.0, not 0 (the difference between an int and a float may be the point)."""
    text = _number(value)
    return text if any(c in text for c in ".ein") else text + ".0"


def _numbers(array: np.ndarray) -> str:
    if array.dtype.kind not in "biuf":
        # Python numbers in an object array: their values are shown too, so that the dtype is seen to be
        # the only difference (where it is)
        if array.dtype.kind != "O" or array.size > 10**4:
            return f"{array.dtype} values"
        try:
            return f"{array.dtype} values {_numbers(array.astype(np.float64))}"
        except (TypeError, ValueError, OverflowError):
            return f"{array.dtype} values"
    with np.printoptions(precision=8, threshold=12, edgeitems=3, suppress=True, floatmode="maxprec"):
        return " ".join(np.array2string(array, separator=", ", max_line_width=10**6).split())


def _outcome_said(outcome: Outcome, exercise: Exercise) -> str:
    """What a call did, in words: its outputs by the notes' names, or what it raised and where."""
    if outcome.error is None:
        outputs, value = exercise.outputs, outcome.value
        try:
            if len(outputs) > 1 and isinstance(value, (tuple, list)) and len(value) == len(outputs):
                return "; ".join(f"{name} = {describe_value(v)}" for name, v in zip(outputs, value))
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception:                   # a learner's sequence that will not say how long it is
            pass
        return describe_value(value)
    text = " ".join(str(outcome.error).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    said = f"it raised {type(outcome.error).__name__}" + (f": {text}" if text else "")
    return said + (f" ({outcome.where})" if outcome.where else "")


def _evidence(probe: Probe, difference: Difference, learner: Outcome) -> list[str]:
    lines = [f"On {probe.label}:",
             f"  expected {difference.part}: {difference.expected}",
             f"  got      {difference.part}: {difference.got}"]
    if difference.detail:
        lines.append(f"  ({difference.detail})")
    if learner.warned:
        lines.append("  NumPy warned: " + "; ".join(learner.warned[:3]))
    return lines


# ------------------------------------------------------------------------------- where


_NOT_THE_LEARNERS = tuple({os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
                           *(sysconfig.get_paths()[key] + os.sep for key in ("stdlib", "platstdlib", "purelib",
                                                                              "platlib"))})


def learner_file_label(filename: str) -> str | None:
    """The name a learner knows their file by (its base name), or None for the library's, NumPy's
    and Python's own files."""
    if not filename or filename.startswith(_NOT_THE_LEARNERS) or filename.startswith("<frozen"):
        return None
    return os.path.basename(filename) if os.sep in filename else filename


def failure_place(traceback, label_of) -> str | None:
    """"cell 7, line 3: `dw = np.dot(X, dZ)`": the learner's last line that a failure went through."""
    place = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        label = label_of(code.co_filename)
        if label is not None:
            place = (code.co_filename, label, traceback.tb_lineno)
        traceback = traceback.tb_next
    return None if place is None else _place(*place)


def defined_at(function, label_of) -> str | None:
    """Where `function` is defined; for a decorated one (functools.wraps), the function decorated."""
    try:
        function = inspect.unwrap(function)
    except ValueError:                      # a cycle of __wrapped__
        pass
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    label = label_of(code.co_filename)
    return None if label is None else _place(code.co_filename, label, code.co_firstlineno, source=False)


def _place(filename: str, label: str, line: int, source: bool = True) -> str:
    text = linecache.getline(filename, line).strip() if source else ""
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{label}, line {line}" + (f": `{text}`" if text else "")
