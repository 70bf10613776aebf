"""``fit``: a dataset folder → a results folder (DESIGN.md §5). Everything is checked before sampling."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rich.console import Console

from ..model import ComposedModel, compose
from ..output import output_folder, read_manifest
from ..tables import load_model
from ..tables.model import TABLE_FILES, render_model
from .checkpoint import check_checkpoint, fingerprint
from .evaluate import Evaluation, evaluate_model
from .interrupt import interruptible
from .likelihood import TERMS, check_terms, make_log_likelihood, make_source_plane_chi2, point_data
from .local_images import make_image_log_likelihood, make_local_image_chi2
from .results import best_model, write_results
from .search import SearchConfig, SearchResult, find_map, laplace_importance, run_nautilus

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
        search: str = "nautilus", config: SearchConfig = SearchConfig(), console: Console | None = None,
        plots: bool = True, overwrite: bool = False, notes: list[str] | None = None) -> FitResult:
    """Fit the folder's model to its point datasets; write ``results_folder``.

    ``likelihood``: ``"source"`` (linearised, source-plane χ²) or ``"image"`` (image-plane χ² with each
    observed image's counterpart found by Newton iteration, :mod:`.local_images`); both are jitted and
    batched. ``search``: ``"nautilus"`` (nested sampling over the whole prior) or ``"laplace"`` (maximum a
    posteriori from several starts on the source-plane χ², polished on the image-plane χ² when that is the
    likelihood, then importance sampling of the posterior around it; minutes instead of hours for
    real clusters whose priors pin the mode).

    The results folder is written under the output policy (:mod:`clusterfit.output`): all files at once
    after the search and the plots, or nothing (an error, Ctrl-C, a kill); existing results are replaced only
    with ``overwrite``; other files there are never touched; it may not be the dataset folder. ``notes``
    receives what a user should know about files left there."""
    console = console or Console()
    kind, terms = split_likelihood(likelihood)
    if search not in ("nautilus", "laplace"):
        raise ValueError(f"search must be 'nautilus' or 'laplace', not {search!r}")
    composed = prepare(dataset_folder)
    owned = [*render_model(composed.model), "samples.csv", "summary.csv", "report.txt",
             *(_PLOTS if plots else ())]
    with (output_folder(results_folder, "fit", owned=owned, inputs=[dataset_folder], overwrite=overwrite,
                        companions=TABLE_FILES) as out, interruptible()):
        if config.checkpoint is not None and search == "nautilus":
            check_checkpoint(config.checkpoint, fingerprint(composed, likelihood, config.n_live,
                                                            config.n_networks, config.n_batch, config.seed))
        result, evaluation, truths, compile_s = _search(dataset_folder, composed, likelihood, search, config,
                                                        console)
        model = best_model(composed, result.best, evaluation)
        derived = _derived(composed, result, evaluation, console)
        write_results(out.staging, composed, result, evaluation, model, likelihood, truths, compile_s, derived)
        if plots:
            simulated = "simulate" in read_manifest(dataset_folder)["runs"]
            _plots(out.staging, composed, result, evaluation, truths if simulated else None)
    if notes is not None:
        notes.extend(out.notes)
    files = {name: out.folder / name for name in out.written}
    return FitResult(Path(results_folder), composed, result, evaluation, files, truths)


def split_likelihood(likelihood: str) -> tuple[str, tuple[str, ...]]:
    """``"source+time_delay+flux"`` → ``("source", ("time_delay", "flux"))``, checked."""
    kind, *terms = likelihood.split("+")
    if kind not in ("source", "image"):
        raise ValueError(f"likelihood must be 'source' or 'image' (optionally +time_delay, +flux), not "
                         f"{likelihood!r}")
    for t in terms:
        if t not in TERMS:
            raise ValueError(f"unknown likelihood term {t!r} in {likelihood!r}; valid: {', '.join(TERMS)}")
    if terms and kind != "source":
        raise ValueError("time-delay and flux terms go with the source-plane likelihood: "
                         f"--likelihood source+{'+'.join(terms)}")
    return kind, tuple(terms)


def _search(dataset_folder, composed: ComposedModel, likelihood: str, search: str, config: SearchConfig,
            console: Console):
    """Compile the likelihood, run the search, evaluate its best point."""
    data = point_data(composed)
    _, terms = split_likelihood(likelihood)
    check_terms(composed, data, terms)
    for column in TERMS:  # a column that is there but not fitted is said once, never dropped silently
        if getattr(data, column) is not None and column not in terms:
            console.print(f"note: point_datasets.csv has {column} for {int(np.isfinite(getattr(data, column)).sum())} "
                          f"images; not fitted (add it: --likelihood {likelihood}+{column})", highlight=False)
    truths = composed.vector_from_tables()
    t0 = time.perf_counter()
    log_l = _log_likelihood(composed, data, likelihood)
    log_l(truths[None, :])  # compile
    compile_s = time.perf_counter() - t0
    console.print(f"fitting {len(composed.free)} free parameters to {len(data.y)} images in "
                  f"{data.n_systems} systems ({likelihood}-plane likelihood, {search} search; compiled in "
                  f"{compile_s:.1f} s)")
    pool = None
    if isinstance(config.pool, int) and config.pool <= 1:
        config = replace(config, pool=None)
    if isinstance(config.pool, int) and config.pool > 1:
        # each worker composes the folder and compiles its own likelihood; batches are split across them
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(config.pool, initializer=_init_worker,
                                            initargs=(str(dataset_folder), likelihood))
        log_l, config = _worker_log_l, replace(config, pool=pool)
    try:
        if search == "nautilus":
            result = run_nautilus(log_l, composed.priors, config, console)
        else:
            result = _laplace_search(composed, data, likelihood, log_l, config, console)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    if pool is not None:
        pool.close()
    with console.status("solving the images of the best fit ..."):
        evaluation = evaluate_model(composed, result.best)
    return result, evaluation, truths, compile_s


def _log_likelihood(composed: ComposedModel, data, likelihood: str):
    kind, terms = split_likelihood(likelihood)
    if kind == "source":
        return make_log_likelihood(composed, data, terms)
    return make_image_log_likelihood(composed, data)


def _laplace_search(composed: ComposedModel, data, likelihood: str, log_l, config: SearchConfig,
                    console: Console) -> SearchResult:
    """MAP on the source-plane χ² from several starts (the image-plane one from its result), then
    importance sampling around the MAP with ``log_l`` (see :func:`.search.laplace_importance`)."""
    t0 = time.perf_counter()
    likelihood, terms = split_likelihood(likelihood)
    source_chi2 = make_source_plane_chi2(composed, data, terms)
    chi2_s = lambda t: source_chi2(t)[0]  # noqa: E731
    console.print(f"maximum a posteriori, source-plane χ², {config.n_starts} starts:")
    found = find_map(chi2_s, composed.priors, composed.vector_from_tables(), config.n_starts,
                     config.seed, console)
    n_grad = found.n_eval
    if likelihood == "image":
        target_chi2 = make_local_image_chi2(composed, data)
        console.print("maximum a posteriori, image-plane χ², from there:")
        found = find_map(lambda t: target_chi2(t)[0], composed.priors, found.theta, 1, config.seed,
                         console)
        n_grad += found.n_eval
    else:
        target_chi2 = source_chi2
    console.print(f"MAP: {likelihood}-plane χ² = {found.chi2:,.3f} ({n_grad:,} gradient evaluations, "
                  f"{time.perf_counter() - t0:,.1f} s)")
    # the proposal's curvature is that of the likelihood being sampled, at its own mode
    result = laplace_importance(log_l, lambda t: target_chi2(t)[0], composed.priors, found.theta,
                                config.n_samples, config.seed, pool=config.pool, console=console)
    # the polished MAP is the best point we know; the samples give the posterior around it
    return replace(result, best=found.theta, map=found.theta, n_like=result.n_like + n_grad,
                   wall_s=time.perf_counter() - t0)


_PLOTS = ("critical_curves.png", "corner.png", "mass_profile.png")
DERIVED_DRAWS = 20


def _derived(composed: ComposedModel, result: SearchResult, evaluation, console: Console):
    """Derived quantities (:mod:`clusterfit.products.derived`) at the best fit and over
    ``DERIVED_DRAWS`` posterior draws."""
    from ..products.derived import derived_quantities
    from ..products.maps import posterior_draws

    draws = posterior_draws(result.weights, result.samples, DERIVED_DRAWS, seed=1)
    with console.status("derived quantities (Einstein radii, masses, magnifications) ..."):
        return derived_quantities(composed.at(result.best), result.best, evaluation, draws,
                                  extent=_derived_extent(composed))


def _derived_extent(composed: ComposedModel) -> float:
    from .plots import default_extent

    return 1.6 * default_extent(composed)[1]
_WORKER: dict = {}


def _init_worker(folder: str, likelihood: str) -> None:
    composed = prepare(folder)
    _WORKER["log_l"] = _log_likelihood(composed, point_data(composed), likelihood)


def _worker_log_l(thetas):
    return _WORKER["log_l"](thetas)


def _plots(folder: Path, composed, result, evaluation, truths) -> dict[str, Path]:
    try:
        from .plots import plot_corner, plot_critical_curves
    except ImportError:  # plotting is optional for headless library use
        return {}
    from ..products.derived import plot_mass_profile
    from ..products.maps import posterior_draws

    draws = posterior_draws(result.weights, result.samples, DERIVED_DRAWS, seed=1)
    return {
        "critical_curves.png": plot_critical_curves(composed, result.best, evaluation,
                                                    folder / "critical_curves.png"),
        "corner.png": plot_corner(result.samples, result.weights, list(result.names),
                                  folder / "corner.png", truths=truths, units=_units(composed)),
        "mass_profile.png": plot_mass_profile(composed.at(result.best), result.best, folder / "mass_profile.png",
                                              draws),
    }


def _units(composed: ComposedModel) -> list[str]:
    """The unit of each free parameter (its profile class in the registry), for the corner plot."""
    from ..registry import get_spec

    rows = {(fam, r.galaxy, r.attr_name): r for fam in ("mass", "light", "point")
            for r in composed.model.family(fam)}
    rels = {r.tier: r for r in composed.model.scaling_relations}
    out = []
    for fp in composed.free:
        spec, column = None, fp.column
        if (fp.table, fp.galaxy, fp.attr_name) in rows:
            spec = rows[(fp.table, fp.galaxy, fp.attr_name)].spec
        elif fp.table == "scaling_relations" and fp.galaxy in rels and column.endswith("_ref"):
            spec, column = get_spec(rels[fp.galaxy].profile_class, "mass"), column.removesuffix("_ref")
        unit = ""
        for par in spec.physical_parameters if spec is not None else ():
            if column in par.columns:
                unit = par.unit
        out.append("" if unit in ("", "dimensionless", "-") else unit)
    return out
