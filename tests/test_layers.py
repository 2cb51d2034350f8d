"""The architecture as the folders show it, kept by a test: who may import whom, no cycles,
one definition per public name and per constant, no function too long or too branched to read,
and a README layout section that lists every module."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "single_neuron"

# What each layer may import from the package (besides itself and the shared leaves).
SHARED = {"errors", "validation", "sizes"}
ALLOWED = {
    "neuron": set(),
    "engines": {"neuron"},
    "io": set(),
    "teaching": {"neuron", "io"},
    "app": {"neuron", "engines", "io", "teaching"},
    "web": {"neuron", "engines", "io", "teaching", "app"},
    "cli": {"", "neuron", "engines", "io", "teaching", "app", "web"},   # "": the package, for its version
}
# The one place a reader's module converts to the course's layout (the Dataset.X convenience).
EXCEPTIONS = {("io.dataset", "neuron.formulas")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every module of the package that `name` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("single_neuron"):
                target = node.module[len("single_neuron."):] if node.module != "single_neuron" else ""
            else:
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}".strip(".")
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("single_neuron."):
                    found.add(alias.name[len("single_neuron."):])
    return {m for m in found if m in MODULES and m != name}


MODULES = _modules()
GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) in ALLOWED))
def test_each_layer_imports_only_what_is_below_it(module):
    layer = _layer(module)
    wrong = sorted(t for t in GRAPH[module]
                   if _layer(t) not in ALLOWED[layer] | SHARED | {layer} and (module, t) not in EXCEPTIONS)
    assert not wrong, f"{module} ({layer}) imports {wrong}; {layer} may import {sorted(ALLOWED[layer])}"


def test_the_shared_leaves_import_nothing_of_the_layers():
    for leaf in SHARED:
        assert GRAPH[leaf] <= SHARED, (leaf, GRAPH[leaf])


def test_there_is_no_import_cycle():
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in GRAPH[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_one_definition_per_public_name():
    where = defaultdict(list)
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                where[node.name].append(name)
    # Each command module of the command line has its own declare() and run(): the parser's protocol.
    twice = {n: m for n, m in where.items() if len(m) > 1 and not all(x.startswith("cli.") for x in m)}
    assert not twice, twice


CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]*")


def _module_statements(body):
    """The statements a module runs as it is imported, those under its ifs and trys included."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            for inner in (node.body, node.orelse, getattr(node, "finalbody", []),
                          *(handler.body for handler in getattr(node, "handlers", []))):
                yield from _module_statements(inner)


def _assigned_names(target):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _assigned_names(element)


def _constants(path: Path):
    """The upper-case names a module gives a value of its own (a value that is another name, like
    `SHAPE = formulas.SHAPE`, is the same object under the same or another name: not a second one)."""
    for node in _module_statements(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, (ast.Name, ast.Attribute)):
            continue
        for target in targets:
            yield from (name for name in _assigned_names(target) if CONSTANT.fullmatch(name))


def test_each_constant_is_defined_once():
    where = defaultdict(set)
    for name, path in MODULES.items():
        for constant in _constants(path):
            where[constant].add(name)
    assert where, "no constant found: the reading is broken"
    twice = {constant: sorted(modules) for constant, modules in where.items() if len(modules) > 1}
    assert not twice, f"defined in more than one module (import it from one): {twice}"


MOST_COMPLEXITY = 15
MOST_LINES = 80


def _functions():
    """(module, qualified name, cyclomatic complexity, lines) of every function and method of the
    package, as `radon cc` counts them (a function's closures count in its complexity)."""
    from radon.complexity import cc_visit
    from radon.visitors import Function

    for name, path in sorted(MODULES.items()):
        for block in cc_visit(path.read_text()):
            if isinstance(block, Function):
                yield name, block.fullname, block.complexity, block.endline - block.lineno + 1


def test_the_function_count_is_real():
    found = {(module, function): (complexity, lines) for module, function, complexity, lines in _functions()}
    # sizes.parse_size branches on every form a size is written in.
    assert found[("sizes", "parse_size")][0] > 5 and len(found) > 300


def test_no_function_is_too_branched_or_too_long():
    over = [f"{module}.{function}: complexity {complexity}, {lines} lines"
            for module, function, complexity, lines in _functions()
            if complexity > MOST_COMPLEXITY or lines > MOST_LINES]
    assert not over, (f"more than complexity {MOST_COMPLEXITY} or {MOST_LINES} lines (split them): "
                      + "; ".join(over))


def test_the_readme_layout_lists_every_module():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    listed, stack = set(), []
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if not match:
            continue
        depth, entry = len(match.group(1)) // 2, match.group(2)
        stack = stack[:depth]
        if entry.endswith("/"):
            stack.append(entry)
        elif entry.endswith(".py") and stack and stack[0] == "src/single_neuron/":
            listed.add("".join(stack) + entry)
    actual = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")}
    assert sorted(actual - listed) == [], "modules missing from the README's layout"
    assert sorted(listed - actual) == [], "the README's layout lists modules that do not exist"


def test_the_web_server_never_runs_a_learners_code():
    # A learner's code is run only by the command or the function the learner calls (docs/check.md).
    checker = {"app.check", "app.sandbox", "teaching.learner_code", "teaching.judging"}
    for module in MODULES:
        if _layer(module) == "web":
            reached, todo = set(), [module]
            while todo:
                for target in GRAPH[todo.pop()] - reached:
                    reached.add(target)
                    todo.append(target)
            assert not reached & checker, (module, sorted(reached & checker))


def test_each_upper_case_constant_is_defined_once():
    # A constant of two modules drifts: ENGINES once had dask in one place and not the other.
    where = defaultdict(list)
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name) and leaf.id.isupper() and len(leaf.id) > 1:
                        where[leaf.id].append(name)
    twice = {n: m for n, m in where.items() if len(m) > 1}
    assert not twice, twice


def test_importing_the_errors_loads_no_numpy():
    import subprocess
    import sys

    code = ("import sys, single_neuron.errors; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'single_neuron')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "numpy" not in out and "'single_neuron.errors'" in out, out


def test_no_function_is_over_80_lines():
    long = [f"{name}.{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for name, path in MODULES.items() for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80]
    assert not long, long
