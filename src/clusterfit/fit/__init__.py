"""Fitting: likelihoods, search, results, evaluation.

``from clusterfit.fit import fit, SearchConfig, evaluate_model`` (imported on first use); calling the
package, ``clusterfit.fit(...)``, calls :func:`.run.fit`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .._callable import make_callable

_LAZY = {
    "fit": ".run", "FitResult": ".run", "prepare": ".prepare", "SearchConfig": ".search",
    "SearchResult": ".search", "evaluate_model": ".evaluate", "Evaluation": ".evaluate",
}
__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'clusterfit.fit' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)


make_callable(__name__, "clusterfit.fit.run", "fit")
