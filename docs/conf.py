"""Sphinx configuration of the spectroclf documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` from the
repository root. Every ``examples/**/plot_*.py`` is executed by
sphinx-gallery; the real music data is found at ``../shared/data`` (or
``$SPECTROCLF_DATA``), and the examples fall back to generated data when it
is absent. No network access is needed.
"""

import os
import re
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# -- warnings -----------------------------------------------------------------
# Examples run in this process (and joblib workers inherit the environment).
# Third-party deprecation noise must not fail a ``-W`` build; real Sphinx
# warnings (bad references, docstring errors) are not touched by these
# filters, which only concern Python's ``warnings`` module.
os.environ["PYTHONWARNINGS"] = ",".join(
    [
        "ignore::DeprecationWarning",
        "ignore::PendingDeprecationWarning",
        "ignore::FutureWarning",
    ]
)
for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
    warnings.filterwarnings("ignore", category=category)
# non-interactive backend for the gallery; figures are captured by sphinx-gallery
os.environ.setdefault("MPLBACKEND", "Agg")
# fewer threads than cores: the CI runner has two and torch would oversubscribe
os.environ.setdefault("OMP_NUM_THREADS", "2")

import spectroclf  # noqa: E402

# -- project ------------------------------------------------------------------
project = "spectroclf"
author = "the spectroclf developers"
copyright = "2025, the spectroclf developers"
release = spectroclf.__version__
version = ".".join(release.split(".")[:2])

# -- general ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these .rst/.py/.ipynb/.zip next to the pages
    "auto_examples/**/*.ipynb",
    "auto_examples/**/*.py",
    "auto_examples/**/*.zip",
    "auto_examples/**/*.json",
    "auto_examples/**/*.md5",
]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "py:obj"  # `name` links to the API
nitpicky = False

# -- autodoc / autosummary / numpydoc -------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # the numpydoc docstrings carry the types
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
# the docstrings' "See Also" names resolve within the package
numpydoc_xref_param_type = False

# -- intersphinx ---------------------------------------------------------------
# Enabled for :external: roles only, with NO mapping: the CI build is offline
# and fetching an inventory would fail (and warn) there.
intersphinx_mapping = {}
intersphinx_disabled_reftypes = ["*"]

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"spectroclf {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"install": [], "changelog": []}
html_show_sourcelink = True
html_context = {"default_mode": "light"}

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # execute every example file (all are named plot_*.py); for a quicker
    # local build, SPECTROCLF_GALLERY_PATTERN=/data/ runs only the matching
    # examples (the others are rendered without outputs). CI leaves it unset.
    "filename_pattern": os.environ.get("SPECTROCLF_GALLERY_PATTERN", "/plot_"),
    "ignore_pattern": r"__init__\.py|/_",
    # sub-galleries in a reading order; folders not listed go where "*" is
    "subsection_order": [
        "../examples/data",
        "../examples/classification",
        "../examples/regression",
        "../examples/model_selection",
        "../examples/pretrained",
        "*",
    ],
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("spectroclf",),
    "reference_url": {"spectroclf": None},
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 0,
    "capture_repr": ("_repr_html_", "__repr__"),
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "seaborn"),
}


# -- hooks ------------------------------------------------------------------------
def _changelog(app, docname, source):
    """Put ../CHANGELOG.md (Markdown, shown as literal text) into changelog.rst.

    myst is not a dependency, so the file is included verbatim; when it is
    missing the page says so instead of failing the build.
    """
    if docname != "changelog":
        return
    marker = ".. changelog-placeholder (conf.py replaces this line with CHANGELOG.md)"
    changelog = ROOT / "CHANGELOG.md"
    if changelog.is_file():
        text = ".. literalinclude:: ../CHANGELOG.md\n   :language: markdown\n"
    else:
        text = "*CHANGELOG.md is not in this checkout.*\n"
    source[0] = source[0].replace(marker, text)


def _data_docstring(app, what, name, obj, options, lines):
    """Docstrings of public constants re-exported by ``spectroclf``.

    autodoc finds the docstring of a module-level constant (the string after
    the assignment) only in the module that assigns it; ``spectroclf`` only
    re-exports, so autodoc would show the docstring of the value's type
    (e.g. ``dict``). Take the defining module's docstring instead.
    """
    if what != "data" or not name.startswith("spectroclf."):
        return
    short = name.split(".", 1)[1]
    if short == "__version__":
        lines[:] = ["The version of spectroclf, a :pep:`440` string."]
        return
    module = getattr(spectroclf, "_WHERE", {}).get(short)
    if module is None:
        return
    from sphinx.pycode import ModuleAnalyzer

    docs = ModuleAnalyzer.for_module(f"spectroclf.{module}").find_attr_docs()
    doc = docs.get(("", short))
    if doc:
        lines[:] = list(doc)


_FITTED_NAME = re.compile(r"(?<=[(,\s])([A-Za-z]\w*?)_(?=[,)])")
_LITERAL = re.compile(r"(``.*?``|`[^`]*`_{0,2})")


def _escape_fitted_names(app, what, name, obj, options, lines):
    """Show fitted-attribute names inside shapes, e.g. ``(n_features_in_,)``.

    In reST a word ending in ``_`` is a hyperlink reference, so a type such
    as ``ndarray of shape (n_features_in_,)`` fails with "Unknown target
    name". scikit-learn writes such names in backquotes; this hook escapes
    the trailing underscore of a name followed by ``,`` or ``)`` outside
    literals, after numpydoc has rendered the docstring, so the text shows
    as written.
    """
    for i, line in enumerate(lines):
        if "_," not in line and "_)" not in line:
            continue
        parts = _LITERAL.split(line)
        for k in range(0, len(parts), 2):  # even parts are outside literals
            parts[k] = _FITTED_NAME.sub(r"\1\\_", parts[k])
        lines[i] = "".join(parts)


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods.

    They are the metadata-routing setters every scikit-learn estimator
    inherits; their docstrings point into scikit-learn's own user guide,
    which this offline build cannot link to.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _check_api_listing(app):
    """Warn (an error under -W) when api.rst misses a name of spectroclf.__all__."""
    from sphinx.util import logging

    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   ([A-Za-z_]\w*)\s*$", text, flags=re.M))
    missing = sorted(set(spectroclf.__all__) - listed - {"__version__"})
    if missing:
        logging.getLogger(__name__).warning(
            "docs/api.rst does not list these public names of spectroclf.__all__: "
            f"{', '.join(missing)}; add them to an autosummary block"
        )


def setup(app):
    app.connect("source-read", _changelog)
    # after numpydoc (priority 500), which renders the sections first
    app.connect("autodoc-process-docstring", _data_docstring, priority=900)
    app.connect("autodoc-process-docstring", _escape_fitted_names, priority=901)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("builder-inited", _check_api_listing)
