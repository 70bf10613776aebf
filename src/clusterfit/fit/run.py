"""``fit``: a dataset folder → a results folder (DESIGN.md §5). Everything is checked before sampling."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rich.console import Console

from ..model import ComposedModel, compose
from ..tables import load_model
from .evaluate import Evaluation, evaluate_model
from .likelihood import image_plane_chi2, make_log_likelihood, point_data
from .results import best_model, write_results
from .search import SearchConfig, SearchResult, run_nautilus

__all__ = ["FitResult", "fit", "prepare"]


@dataclass(frozen=True)
class FitResult:
    folder: Path
    composed: ComposedModel
    search: SearchResult
    evaluation: Evaluation
    files: dict[str, Path]
    truths: np.ndarray


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


def fit(dataset_folder: str | Path, results_folder: str | Path, *, likelihood: str = "source",
        config: SearchConfig = SearchConfig(), console: Console | None = None,
        plots: bool = True) -> FitResult:
    """Fit the folder's model to its point datasets; write ``results_folder``."""
    console = console or Console()
    composed = prepare(dataset_folder)
    data = point_data(composed)
    truths = composed.vector_from_tables()
    t0 = time.perf_counter()
    if likelihood == "source":
        log_l = make_log_likelihood(composed, data)
        log_l(truths[None, :])  # compile
    elif likelihood == "image":
        from ..physics.solver import make_image_solver

        solver = make_image_solver(composed.tracer)

        def log_l(thetas):
            return np.array([-0.5 * image_plane_chi2(composed, t, data, solver=solver)
                             for t in np.atleast_2d(thetas)])

        log_l(truths[None, :])
    else:
        raise ValueError(f"likelihood must be 'source' or 'image', not {likelihood!r}")
    compile_s = time.perf_counter() - t0
    console.print(f"fitting {len(composed.free)} free parameters to {len(data.y)} images in "
                  f"{data.n_systems} systems ({likelihood}-plane likelihood; compiled in {compile_s:.1f} s)")
    pool = None
    if isinstance(config.pool, int) and config.pool > 1:
        # each worker composes the folder and compiles its own likelihood; batches are split across them
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(config.pool, initializer=_init_worker,
                                            initargs=(str(dataset_folder), likelihood))
        log_l, config = _worker_log_l, replace(config, pool=pool)
    try:
        result = run_nautilus(log_l, composed.priors, config, console)
    finally:
        if pool is not None:
            pool.close()
    with console.status("solving the images of the best fit ..."):
        evaluation = evaluate_model(composed, result.best)
    model = best_model(composed, result.best, evaluation)
    files = write_results(results_folder, composed, result, evaluation, model, likelihood, truths,
                          compile_s)
    if plots:
        files.update(_plots(Path(results_folder), composed, result, evaluation, truths))
    return FitResult(Path(results_folder), composed, result, evaluation, files, truths)


_WORKER: dict = {}


def _init_worker(folder: str, likelihood: str) -> None:
    composed = prepare(folder)
    if likelihood != "source":
        raise ValueError("--pool parallelises the source-plane likelihood")
    _WORKER["log_l"] = make_log_likelihood(composed)


def _worker_log_l(thetas):
    return _WORKER["log_l"](thetas)


def _plots(folder: Path, composed, result, evaluation, truths) -> dict[str, Path]:
    try:
        from .plots import plot_corner, plot_critical_curves
    except ImportError:  # plotting is optional for headless library use
        return {}
    return {
        "critical_curves.png": plot_critical_curves(composed, result.best, evaluation,
                                                    folder / "critical_curves.png"),
        "corner.png": plot_corner(result.samples, result.weights, list(result.names),
                                  folder / "corner.png", truths=truths),
    }
