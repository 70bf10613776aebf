"""A dataset folder made ready to fit: composed, checked, and its log-likelihood built.

Shared by :func:`.run.fit` and the workers of a pool (:mod:`.executors`), which rebuild the same
functions from the folder's path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model import ComposedModel, compose
from ..tables import load_model
from .likelihood import TERMS, make_log_likelihood, point_data
from .local_images import make_image_log_likelihood

__all__ = ["prepare", "split_likelihood", "build_log_likelihood"]


def prepare(dataset_folder: str | Path) -> ComposedModel:
    """Load and compose a dataset folder, refusing what cannot be fitted (before any sampling)."""
    folder = Path(dataset_folder)
    model = load_model(folder)
    if not model.priors:
        raise ValueError(f"{folder / 'priors.csv'}: nothing is free, so there is nothing to fit; add "
                         "priors.csv rows such as `lens_0,mass,sigma,Uniform,100,600,,`")
    composed = compose(model)
    if not composed.free:
        raise ValueError(f"{folder / 'priors.csv'}: every prior is Fixed, so nothing is free")
    points = {r.attr_name for r in model.point}
    for ds in model.point_datasets:
        if ds.name not in points:
            raise ValueError(f"{ds.images[0].source}: source {ds.name!r} has no point model; add a "
                             f"point.csv row with attr_name {ds.name!r} (its galaxy, Point, y, x, redshift)")
    point_data(composed)
    return composed


def split_likelihood(likelihood: str) -> tuple[str, tuple[str, ...]]:
    """``"source+time_delay+flux"`` → ``("source", ("time_delay", "flux"))``, checked (``auto``, which
    :func:`clusterfit.fit.run.choose_likelihood` resolves, passes as a kind)."""
    kind, *terms = likelihood.split("+")
    if kind not in ("source", "image", "auto"):
        raise ValueError(f"likelihood must be 'auto', 'source' or 'image' (optionally +time_delay, +flux), not "
                         f"{likelihood!r}")
    for t in terms:
        if t not in TERMS:
            raise ValueError(f"unknown likelihood term {t!r} in {likelihood!r}; valid: {', '.join(TERMS)}")
    if terms and kind == "image":
        raise ValueError("time-delay and flux terms go with the source-plane likelihood: "
                         f"--likelihood source+{'+'.join(terms)}")
    return kind, tuple(terms)


def build_log_likelihood(composed: ComposedModel, data, likelihood: str) -> Callable:
    """The batched log-likelihood ((k, n) → (k,)) of a ``--likelihood`` string (:func:`split_likelihood`)."""
    kind, terms = split_likelihood(likelihood)
    if kind == "auto":
        raise ValueError("likelihood 'auto' is resolved by fit (clusterfit.fit.run.choose_likelihood) first")
    if kind == "source":
        return make_log_likelihood(composed, data, terms)
    return make_image_log_likelihood(composed, data)
