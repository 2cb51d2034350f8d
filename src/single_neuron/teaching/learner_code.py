"""A learner's file as it is on their disk, reduced to what their functions need.

A notebook of the course imports `lr_utils` and `public_tests`, loads the cat files, trains,
plots and calls the graders; a `.py` may do the same at its top level. None of that is needed
to judge the functions, and much of it fails away from the course's folder. `plan` reads each
cell's top-level statements and keeps only those that bind a function of the assignments and,
from there, what those need: the imports, helpers and constants their bodies refer to (found
with Python's own symbol tables), transitively, in the order of the file. Everything else
(calls, prints, plots, training) is never run.

IPython's own syntax (`%matplotlib inline`, `!pip install ...`, help as `np.dot?`) is read as `pass`, so that the
line numbers stay those of the cell; a cell in another language (`%%bash`) is skipped. A cell
that Python cannot parse defines nothing, as in Jupyter; if it holds the definition of a
function of the assignments, the report says so.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import re
import symtable
from dataclasses import dataclass, field

from .exercises import NAMES
from .judging import forks_stay_out

# Cell magics whose body is Python run as it is.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")
_MAGIC_LINE = re.compile(r"^(\s*)(?:[\w.,\s\[\]()]+=\s*)?[%!]")
_HELP_LINE = re.compile(r"^\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")     # obj?, ?obj, obj??: IPython's help
_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+(\w+)|^(\w+)\s*=", re.M)


@dataclass(frozen=True)
class Statement:
    node: ast.stmt
    filename: str
    label: str
    binds: frozenset[str]
    needs: frozenset[str]
    star: bool = False                 # from ... import *: binds names no one can list


@dataclass
class RunPlan:
    """The statements to run, in the file's order, and what they define."""

    statements: list[Statement] = field(default_factory=list)
    defined: dict[str, str] = field(default_factory=dict)        # course name -> the learner's name for it
    places: dict[str, str] = field(default_factory=dict)         # course name -> "cell 7" (or the file name)
    unreadable: dict[str, str] = field(default_factory=dict)     # course name -> why its cell cannot be read
    labels: dict[str, str] = field(default_factory=dict)         # filename given to compile -> label


def plan(cells: list[tuple[str, str]], name: str) -> RunPlan:
    """The plan for `cells`, pairs of (label, source) in the file's order: ("cell 3", "import numpy
    as np\\n..."), or one pair for a .py file. `name` tells the cells' filenames apart in tracebacks."""
    result = RunPlan()
    statements: list[Statement] = []
    for label, source in cells:
        filename = f"{name} ({label})" if label != name else name
        result.labels[filename] = label
        text = python_source(source)
        linecache.cache[filename] = (len(text), None, [line + "\n" for line in text.splitlines()], filename)
        try:
            tree = ast.parse(text, filename)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            _unreadable(result, label, text, exc)
            continue
        statements += [_statement(node, filename, label) for node in tree.body]
    for statement in statements:
        for bound in statement.binds:
            if bound in NAMES:
                course_name = NAMES[bound]
                result.defined.pop(course_name, None)          # the last definition is the one that counts
                result.defined[course_name] = bound
                result.places[course_name] = statement.label
                result.unreadable.pop(course_name, None)
    result.statements = _needed(statements, set(result.defined.values()))
    return result


def run_plan(plan: RunPlan, namespace: dict) -> list[str]:
    """Run the plan's statements in `namespace`, each on its own: one that fails (a module that is not
    installed, a data file that is not there) is noted and skipped. Returns the notes."""
    notes = []
    for statement in plan.statements:
        module = ast.Module(body=[statement.node], type_ignores=[])
        try:
            with forks_stay_out():
                exec(compile(module, statement.filename, "exec"), namespace)
        except (MemoryError, KeyboardInterrupt):
            raise
        except BaseException as exc:                      # the learner's code may raise anything
            line = linecache.getline(statement.filename, statement.node.lineno).strip()
            message = " ".join(str(exc).split())[:200]
            notes.append(f"{statement.label}, line {statement.node.lineno}: `{line[:80]}` did not run "
                         f"({type(exc).__name__}{': ' + message if message else ''})")
    return notes


def python_source(source: str) -> str:
    """A cell's text as Python: IPython's magics and shell lines become `pass`, line for line."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        if lines[0].split()[0] not in _PYTHON_CELL_MAGICS:
            return ""
        lines[0] = ""
    return "\n".join(_pass(line) if _MAGIC_LINE.match(line) or _HELP_LINE.match(line) else line for line in lines)


def _pass(line: str) -> str:
    stripped = line.lstrip()
    return f"{line[:len(line) - len(stripped)]}pass  # {stripped.lstrip('%!')}"


def _unreadable(result: RunPlan, label: str, text: str, exc: BaseException) -> None:
    line = getattr(exc, "lineno", None)
    reason = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}" + (f" (line {line})" if line else "")
    for match in _DEF_LINE.finditer(text):
        bound = match.group(1) or match.group(2)
        if bound in NAMES and NAMES[bound] not in result.defined:
            result.unreadable[NAMES[bound]] = f"{label} cannot be read, {reason}"
            result.places[NAMES[bound]] = label


def _statement(node: ast.stmt, filename: str, label: str) -> Statement:
    if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        return Statement(node, filename, label, frozenset(), frozenset(), star=True)
    try:
        table = symtable.symtable(ast.unparse(node), filename, "exec")
    except (SyntaxError, ValueError, RecursionError):
        return Statement(node, filename, label, frozenset(), frozenset())
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    needs = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    for child in table.get_children():
        needs |= _globals_of(child)
    return Statement(node, filename, label, frozenset(binds), frozenset(needs))


def _globals_of(table: symtable.SymbolTable) -> set[str]:
    """The module-level names a function or class body (and those nested in it) refers to."""
    found = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        found |= _globals_of(child)
    return found


def _needed(statements: list[Statement], wanted: set[str]) -> list[Statement]:
    """The statements that bind `wanted` names and, transitively, what they need, in order."""
    binders: dict[str, list[int]] = {}
    for i, statement in enumerate(statements):
        for bound in statement.binds:
            binders.setdefault(bound, []).append(i)
    chosen: set[int] = set()
    todo, seen = list(wanted), set()
    unbound = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in binders:
            if not hasattr(builtins, name):
                unbound.add(name)
            continue
        for i in binders[name]:
            if i not in chosen:
                chosen.add(i)
                todo += statements[i].needs
    if unbound:                    # a star import may be where they come from
        chosen |= {i for i, statement in enumerate(statements) if statement.star}
    return [statements[i] for i in sorted(chosen)]
