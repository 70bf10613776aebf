"""clusterfit: strong-lensing mass models of galaxy clusters in which a folder of CSV tables is the model.

The flat public namespace (``import clusterfit as cf``)::

    model = cf.load_model(folder)              # the tables, checked (cf.validate_folder lists problems)
    cf.save_model(model, folder)               # written back atomically
    cf.simulate(model_folder, dataset_folder)  # point datasets (and imaging) from a model
    result = cf.fit(dataset_folder, results_folder, config=cf.SearchConfig(n_live=200))
    cf.evaluate(model)                         # image-plane χ² and rms of a model (or composed θ)
    composed = cf.compose(model)               # tables → the jitted forward model

Importing clusterfit switches JAX to float64 (``jax_enable_x64``), the precision every function here
assumes. The names that need the physics or the samplers are imported on first use, so
``import clusterfit`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

import jax

from ._version import __version__
from .examples import example_folder
from .tables import (
    TABLE_FILES,
    ClusterModel,
    CsvError,
    CsvErrors,
    CsvWarning,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
    load_model,
    save_model,
    validate_folder,
)

jax.config.update("jax_enable_x64", True)

# name → (module, attribute), imported on first access
_LAZY: dict[str, tuple[str, str]] = {
    "PointNoise": ("clusterfit.simulate", "PointNoise"),
    "FitResult": ("clusterfit.fit.run", "FitResult"),
    "SearchConfig": ("clusterfit.fit.search", "SearchConfig"),
    "SearchResult": ("clusterfit.fit.search", "SearchResult"),
    "evaluate": ("clusterfit.fit.evaluate", "evaluate_model"),
    "Evaluation": ("clusterfit.fit.evaluate", "Evaluation"),
    "compose": ("clusterfit.model", "compose"),
    "ComposedModel": ("clusterfit.model", "ComposedModel"),
    "diff_models": ("clusterfit.tables.diff", "diff_models"),
    "with_bookkeeping": ("clusterfit.tables.bookkeeping", "with_bookkeeping"),
    "read_manifest": ("clusterfit.output", "read_manifest"),
    "output_folder": ("clusterfit.output", "output_folder"),
    "import_lenstool": ("clusterfit.interop.lenstool", "import_lenstool"),
    "export_lenstool": ("clusterfit.interop.lenstool", "export_lenstool"),
    "export_autolens": ("clusterfit.interop.autolens_export", "export_autolens"),
    **{name: ("clusterfit.interop.autolens", name) for name in (
        "to_autolens_galaxies", "to_autolens_tracer", "to_autolens_point_datasets", "from_autolens_point_datasets",
        "to_autolens_model", "to_autolens_analyses", "from_autolens_instance")},
}

__all__ = [
    "ClusterModel", "CsvError", "CsvErrors", "CsvWarning", "PointImage", "PriorRow", "ProfileRow",
    "ScalingGalaxy", "ScalingRelation", "TABLE_FILES", "example_folder", "load_model", "save_model",
    "validate_folder", "__version__", "fit", "simulate", *_LAZY,
]


# ``fit`` and ``simulate`` are subpackages too: the name is always the (callable) subpackage, so that
# ``cf.fit(...)`` calls the function and ``import clusterfit.fit.executors`` keeps working whatever ran first.
_CALLABLE_PACKAGES = ("fit", "simulate")


def __getattr__(name: str) -> Any:
    """Import a lazy public name (:data:`_LAZY` or a callable subpackage) on first access."""
    if name in _CALLABLE_PACKAGES:
        value = importlib.import_module(f"clusterfit.{name}")
    elif name not in _LAZY:
        raise AttributeError(f"module 'clusterfit' has no attribute {name!r}")
    else:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_CALLABLE_PACKAGES))
