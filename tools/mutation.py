"""Mutation testing of spectroclf's core, one module at a time, with mutmut.

Each module is mutated in its own work folder ``.mutation/<module>/`` (a copy of
``spectroclf/``, ``tests/`` and the configuration, git-ignored), against a small,
fast selection of the tests that cover it, so that a module fits a 2-core machine.
mutmut remembers every verdict in that folder: a run stopped (Ctrl-C, a closed
terminal) resumes where it stopped when the same command is given again, and
``--fresh`` starts the module afresh. After each module the summary
``tools/mutation_results.json`` is updated: killed / survived / timeout / ... per
module, the score over the non-equivalent mutants, and every survivor, either
listed in ``EQUIVALENT`` below with a one-line reason or left to be killed by a
new test.

Usage::

    pip install -e ".[dev]"               # mutmut is in the dev extra
    python tools/mutation.py --list       # the modules and their tests
    python tools/mutation.py metrics      # one module (minutes)
    python tools/mutation.py metrics features preprocessing._pad
    nohup python tools/mutation.py --all > mutation.log 2>&1 &   # hours
    python tools/mutation.py --show spectroclf.metrics.x_spearman_score__mutmut_7

See "Mutation testing" in docs/install.rst.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
RESULTS = ROOT / "tools" / "mutation_results.json"
DATA = Path(os.environ.get("SPECTROCLF_DATA", ROOT.parent / "shared" / "data"))

#: module -> the tests that cover it, fast first (pytest node ids or files)
MODULES = {
    "metrics": ["tests/test_metrics.py"],
    "features": ["tests/test_features.py"],
    "preprocessing._pad": ["tests/preprocessing/test_pad.py"],
    "preprocessing._beat": ["tests/preprocessing/test_beat.py"],
    "preprocessing._label": ["tests/preprocessing/test_label.py"],
    "preprocessing._load": ["tests/preprocessing/test_load.py"],
    "datasets._labels": ["tests/datasets/test_labels.py",
                         "tests/preprocessing/test_label.py"],
    "datasets._lab": ["tests/datasets/test_lab.py"],
    "nets._data": ["tests/nets/test_data.py"],
    "nets._targets": ["tests/nets/test_targets.py"],
    "nets._base": ["tests/nets/test_base.py", "tests/nets/test_targets.py",
                   "tests/test_reliability.py"],
    "nets._lstm": ["tests/nets/test_targets.py", "tests/models/test_lstm.py"],
    "nets._cnn": ["tests/nets/test_targets.py", "tests/nets/test_augment.py"],
    "nets._joint": ["tests/nets/test_joint.py"],
    "nets._augment": ["tests/nets/test_augment.py"],
    "nets._amp": ["tests/nets/test_amp.py"],
    "persistence": ["tests/test_persistence.py"],
    "musicnn._frontend": ["tests/musicnn/test_frontend.py"],
    "musicnn._estimators": ["tests/musicnn/test_estimators.py"],
}

#: mutant name -> why no test can tell it from the original
EQUIVALENT = {
    **{f"spectroclf.metrics.x_spearman_score__mutmut_{i}": (
        "check_array(ensure_2d=None): None is as false as False") for i in (11, 23)},
    **{f"spectroclf.metrics.x_spearman_score__mutmut_{i}": (
        "reshape(n, -2): numpy reads any negative size as the unknown one, like -1")
       for i in (43, 50)},
    "spectroclf.preprocessing._pad.xǁPadTruncateǁtransform__mutmut_5": (
        "check_spectrograms(reset=None): only tested for truth, None is as false as False"),
    "spectroclf.preprocessing._pad.xǁPadTruncateǁtransform__mutmut_25": (
        "n_frames >= L: a clip of exactly L frames is cropped at offset 0, i.e. whole, "
        "and RandomState.randint(1) draws nothing"),
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "dtype left to numpy: a list of bools is a bool array, np.full(n, -1) int64")
       for i in (56, 58, 69, 72)},
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "the code of a dropped sample is filler: never counted nor read, and no "
        "class index equals -1, so keep = isin(...) drops it as keep &= does")
       for i in (73, 74, 82)},
    "spectroclf.datasets._labels.x_merge_classes__mutmut_81": (
        "bincount without minlength: every class comes from a kept label, so the "
        "counts already have one entry per class"),
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "zip(strict=...): classes and counts always have the same length")
       for i in (98, 101, 102)},
}

STATUSES = ("killed", "survived", "timeout", "suspicious", "no tests", "skipped",
            "segfault", "not checked", "caught by type check",
            "check was interrupted by user")


def _source(module):
    return "spectroclf/" + module.replace(".", "/") + ".py"


def _prepare(module, fresh):
    """The module's work folder with its mutmut configuration."""
    folder = WORK / module
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if not folder.exists():
        folder.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
        shutil.copytree(ROOT / "spectroclf", folder / "spectroclf", ignore=ignore)
        shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore)
        shutil.copy2(ROOT / "setup.cfg", folder / "setup.cfg")
    pyproject = (ROOT / "pyproject.toml").read_text()
    tests = ", ".join(json.dumps(t) for t in MODULES[module])
    pyproject += f"""
[tool.mutmut]
source_paths = ["spectroclf"]
only_mutate = [{json.dumps(_source(module))}]
pytest_add_cli_args_test_selection = [{tests}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-m", "not slow"]
process_isolation = "forkserver"
use_git_change_detection = false
"""
    (folder / "pyproject.toml").write_text(pyproject)
    return folder


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               SPECTROCLF_DATA=str(DATA), MPLBACKEND="Agg")
    env.pop("SPECTROCLF_REQUIRE_DATA", None)
    return env


def _mutmut(folder, *args, check=True, capture=False):
    cmd = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(cmd, cwd=folder, env=_env(), check=check, text=True,
                          capture_output=capture)


def _summary(folder, module):
    """Counts per status and the survivors of the module's last run."""
    out = _mutmut(folder, "results", "--all", "true", capture=True).stdout
    counts = dict.fromkeys(STATUSES, 0)
    survivors = []
    for line in out.splitlines():
        match = re.match(r"\s+(\S+): (.+)$", line)
        if not match:
            continue
        name, status = match.groups()
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "timeout", "suspicious", "no tests"):
            survivors.append((name, status))
    equivalent = {n: EQUIVALENT[n] for n, _ in survivors if n in EQUIVALENT}
    unexplained = []
    for name, status in survivors:
        if name in EQUIVALENT:
            continue
        diff = _mutmut(folder, "show", name, capture=True, check=False).stdout
        changed = [line for line in diff.splitlines()
                   if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))]
        unexplained.append({"mutant": name, "status": status, "diff": changed})
    killed = counts["killed"] + counts.get("caught by type check", 0)
    checked = killed + counts["survived"] + counts["timeout"] + counts["suspicious"]
    non_equivalent = checked - len(equivalent)
    # a mutant that only times out is caught: the test run never finished
    score = (killed + counts["timeout"]) / non_equivalent if non_equivalent else None
    return {
        "source": _source(module),
        "tests": MODULES[module],
        "counts": {k: v for k, v in counts.items() if v},
        "score": None if score is None else round(score, 4),
        "equivalent": equivalent,
        "unexplained_survivors": unexplained,
        "finished": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _write(module, summary):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("modules", {})[module] = summary
    results["about"] = (
        "python tools/mutation.py: mutmut per module; score = (killed + timeout) / "
        "(mutants checked - equivalent); survivors are either 'equivalent' (with "
        "the reason) or 'unexplained_survivors' still to be killed by a test"
    )
    results["modules"] = dict(sorted(results["modules"].items()))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules (see --list)")
    parser.add_argument("--all", action="store_true", help="every module in MODULES")
    parser.add_argument("--list", action="store_true", help="list modules and tests")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier verdicts of these modules")
    parser.add_argument("--max-children", type=int, default=1,
                        help="mutants tested in parallel (default 1)")
    parser.add_argument("--summary-only", action="store_true",
                        help="rewrite the JSON from the work folders, run nothing")
    parser.add_argument("--show", metavar="MUTANT", help="print a mutant's diff")
    args = parser.parse_args(argv)
    if args.list:
        for module, tests in MODULES.items():
            print(f"{module:22s} {_source(module):38s} {' '.join(tests)}")
        return 0
    if args.show:
        module = next(m for m in MODULES
                      if args.show.startswith(_source(m)[:-3].replace("/", ".") + "."))
        return _mutmut(WORK / module, "show", args.show, check=False).returncode
    modules = list(MODULES) if args.all else args.modules
    unknown = sorted(set(modules) - set(MODULES))
    if unknown or not modules:
        parser.error(f"unknown modules {unknown}; choose from {list(MODULES)}"
                     if unknown else "name modules or pass --all")
    for module in modules:
        folder = _prepare(module, args.fresh and not args.summary_only)
        if not args.summary_only:
            print(f"== {module} ({_source(module)}) in {folder}", flush=True)
            _mutmut(folder, "run", "--max-children", str(args.max_children),
                    check=False)
        summary = _summary(folder, module)
        _write(module, summary)
        print(f"== {module}: {summary['counts']} score {summary['score']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
