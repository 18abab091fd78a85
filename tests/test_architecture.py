"""The package's layering: data flows one way, nothing imports from a stage above it.

Every ``import`` statement of every module is read (those inside functions too),
so a lazy import that would close a cycle fails here as well.
"""

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

import spectroclf

PACKAGE = Path(spectroclf.__file__).parent

#: stages from the bottom up; a module may import from its own stage or below
LAYERS = [
    {"_io", "_validation", "_cpu", "utils", "metrics"},
    {"features"},
    {"datasets"},
    {"preprocessing"},
    {"models"},
    {"nets"},
    {"musicnn"},
    {"plotting"},
    {"persistence"},
    {"cli"},
]
LEVEL = {stage: i for i, stages in enumerate(LAYERS) for stage in stages}

#: old module paths kept for one release; they import from above by design
DEPRECATED = {
    "spectroclf.estimators": ("spectroclf.nets", "LSTMClassifier"),
    "spectroclf.embedding": ("spectroclf.musicnn", "MusicnnEmbedding"),
    "spectroclf.models.musicnn": ("spectroclf.musicnn", "load_musicnn"),
    "spectroclf.models.musicnn_head": ("spectroclf.musicnn", "MusicnnTransfer"),
}


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, name):
    """Absolute names of the spectroclf modules that ``path`` imports."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("spectroclf"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("spectroclf"):
                target = node.module
            else:
                continue
            # ``from . import nets`` imports a module, not a name
            modules = {f"{target}.{a.name}" for a in node.names}
            modules = {m for m in modules if _exists(m)}
            found |= modules
            names = {a.name for a in node.names} - {m.rsplit(".", 1)[1] for m in modules}
            # the root's only eager name is __version__; anything else goes
            # through its lazy API, i.e. the whole package
            if names and not (target == "spectroclf" and names == {"__version__"}):
                found.add(target)
    return {m for m in found if m != name}


def _exists(module):
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _graph():
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name not in DEPRECATED:
            graph[name] = {m for m in _imports(path, name) if m not in DEPRECATED}
    return graph


def _stage(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_graph_is_read():
    graph = _graph()
    assert "spectroclf.nets._base" in graph
    assert "spectroclf.models" in graph["spectroclf.nets._lstm"]
    assert "spectroclf.nets._data" in graph["spectroclf.nets._base"]


def test_no_stage_imports_from_a_stage_above_it():
    bad = []
    for module, targets in _graph().items():
        stage = _stage(module)
        if stage is None:  # spectroclf/__init__.py: the lazy public API
            continue
        for target in targets:
            if _stage(target) is None:
                if target == "spectroclf":
                    bad.append(f"{module} imports the package root")
                continue
            if LEVEL[_stage(target)] > LEVEL[stage]:
                bad.append(f"{module} -> {target}")
    assert not bad, "imports against the data flow:\n" + "\n".join(sorted(bad))


def test_no_subpackage_imports_another_subpackages_private_module():
    """``spectroclf.a`` may import ``spectroclf.b`` and the names it exports, never
    ``spectroclf.b._module``: what a subpackage keeps private can change freely."""
    bad = []
    for module, targets in _graph().items():
        for target in targets:
            parts = target.split(".")
            private = [i for i, p in enumerate(parts) if p.startswith("_") and i >= 2]
            if private and _stage(target) != _stage(module):
                bad.append(f"{module} -> {target}")
    assert not bad, "imports of another subpackage's private module:\n" + "\n".join(
        sorted(bad)
    )


def test_no_import_cycle():
    graph = _graph()
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_every_stage_is_placed():
    stages = {_stage(m) for m in _graph()} - {None}
    assert stages <= set(LEVEL), f"unplaced stages: {sorted(stages - set(LEVEL))}"


@pytest.mark.parametrize(
    ("stage", "forbidden"),
    [
        ("models", ("sklearn", "skorch", "gzip", "librosa", "soundfile", "joblib")),
        ("nets", ("gzip", "librosa", "soundfile", "zipfile")),
    ],
)
def test_stage_stays_in_its_lane(stage, forbidden):
    """models/ knows nothing of scikit-learn or files; nets/ nothing of file formats."""
    bad = []
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        if _module_name(path) in DEPRECATED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            bad += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert not bad


@pytest.mark.parametrize("old", sorted(DEPRECATED))
def test_old_module_paths_still_work_with_a_warning(old):
    new, name = DEPRECATED[old]
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*removed in 0.3"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_every_public_name_resolves_without_deprecation_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for name in spectroclf.__all__:
            assert getattr(spectroclf, name) is not None, name
