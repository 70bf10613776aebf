"""``fit``: a dataset folder → a results folder (docs/cli.md). Everything is checked before sampling."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console

from ..model import ComposedModel
from ..output import output_folder, read_manifest
from ..products.maps import posterior_draws
from ..tables.model import TABLE_FILES, render_model
from .checkpoint import check_checkpoint, fingerprint
from .corner_plot import CornerProcess
from .evaluate import Evaluation, evaluate_model
from .executors import as_executor, check_pool, register
from .importance import laplace_importance
from .interrupt import interruptible
from .likelihood import TERMS, check_terms, make_source_plane_chi2, point_data
from .local_images import describe_unsettled, make_local_image_chi2, make_settled_check
from .nested import run_nautilus
from .nuts import nuts_posterior
from .optimise import find_map
from .prepare import build_log_likelihood, prepare, split_likelihood
from .results import POST_STAGES, best_model, write_results
from .search import SearchConfig, SearchResult
from .warmup import Warmup, post_processing_steps

SEARCHES = ("nautilus", "nuts", "laplace")
NESTED_MAX_DIM = 20  # the automatic choice: nested sampling up to this many free parameters


def choose_likelihood(likelihood: str, n_free: int, search: str = "auto") -> tuple[str, str | None]:
    """``likelihood`` with ``auto`` resolved, and why (None when it was not ``auto``).

    ``auto`` → the source-plane χ² up to :data:`NESTED_MAX_DIM` free parameters (cheap, so nested
    sampling can explore the whole prior: :func:`choose_search`); above that nested sampling is out of
    reach and the search is MAP + NUTS, which need only gradients, so the exact image-plane χ² is
    affordable (one χ² per gradient by implicit differentiation) and preferred: the linearised
    source-plane χ² misweights images of different magnification, and published models are judged by their
    image-plane rms. Time-delay and flux terms (``auto+time_delay``) go with the source-plane χ², and so
    does a named ``nautilus`` search (nested sampling of the image-plane χ² solves images at every one of
    its ~10⁵ evaluations)."""
    kind, _, terms = likelihood.partition("+")
    if kind != "auto":
        return likelihood, None
    if terms:
        return f"source+{terms}", "time-delay and flux terms are terms of the source-plane likelihood"
    if search == "nautilus":
        return "source", "nested sampling needs the cheap source-plane χ²"
    if n_free <= NESTED_MAX_DIM:
        return "source", (f"{n_free} ≤ {NESTED_MAX_DIM} free parameters: the source-plane χ² is cheap enough "
                          "for nested sampling over the whole prior")
    return "image", (f"{n_free} > {NESTED_MAX_DIM} free parameters: gradient-based MAP + NUTS on the exact "
                     "image-plane χ²")


def choose_search(likelihood: str, n_free: int) -> tuple[str, str]:
    """The search ``fit`` uses when none is named, and why (one line).

    Image-plane likelihood → nuts: each evaluation solves for images, so nested sampling is out of
    reach, while the MAP and NUTS need only gradients, which cost about one χ² (implicit differentiation,
    :mod:`.local_images`); on a 2-core CPU AS1063 (11 free) ran in 4.0 min with every bulk ESS ≥ 678
    and R̂ ≤ 1.009, A2744 (21 free) in 26.6 min with every bulk ESS ≥ 478 and R̂ ≤ 1.006 with seed 1, but
    bulk ESS 309 and R̂ 1.024 with seed 2 (the warm-up's step size varies with the seed; benchmarks/README.md).
    ``--search laplace``
    (MAP + importance sampling) stays the fast option, trustworthy where its ESS says so. Source-plane likelihood → nautilus up to
    :data:`NESTED_MAX_DIM` free parameters (explores the whole prior, finds several modes, gives the
    evidence); above that nested sampling's cost grows steeply (a 46-parameter model had not converged
    after 25 min), so NUTS from the MAP."""
    if likelihood == "image":
        return "nuts", ("image-plane likelihood: MAP, then NUTS chains with R̂ and ESS per parameter "
                        "(--search laplace for MAP + importance sampling, faster)")
    if n_free <= NESTED_MAX_DIM:
        return "nautilus", (f"source-plane likelihood, {n_free} ≤ {NESTED_MAX_DIM} free parameters: nested "
                            "sampling explores the whole prior")
    return "nuts", (f"{n_free} > {NESTED_MAX_DIM} free parameters: nested sampling scales poorly, NUTS "
                    "from the MAP instead")

__all__ = ["FitResult", "choose_likelihood", "choose_search", "fit", "prepare", "split_likelihood"]


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` returns: the results ``folder`` and its ``files`` by name, the ``composed`` model
    that was fitted, the ``search`` (posterior samples, best point, evidence), the ``evaluation`` of the
    best point (image-plane rms and χ², predicted images), ``start`` — θ of the dataset's table values
    (prior medians where a cell is empty), where the search started — and ``truth``: the same vector
    when the dataset was written by ``simulate`` (its manifest says so), else None."""

    folder: Path
    composed: ComposedModel
    search: SearchResult
    evaluation: Evaluation
    files: dict[str, Path]
    start: np.ndarray
    truth: np.ndarray | None = None
    likelihood: str = ""  # the likelihood fitted (``auto`` resolved)
    search_method: str = ""  # the search run (``auto`` resolved)


def fit(dataset_folder: str | Path, results_folder: str | Path, *, likelihood: str = "auto",
        search: str = "auto", config: SearchConfig = SearchConfig(), console: Console | None = None,
        plots: bool = True, overwrite: bool = False, notes: list[str] | None = None) -> FitResult:
    """Fit the folder's model to its point datasets; write ``results_folder``.

    ``likelihood``: ``"source"`` (linearised, source-plane χ²), ``"image"`` (image-plane χ² with each
    observed image's counterpart found by Newton iteration, :mod:`.local_images`; both jitted and
    batched) or ``"auto"`` (:func:`choose_likelihood`, announced on the console). ``search``: ``"nautilus"`` (nested sampling over the whole prior), ``"nuts"`` (maximum a
    posteriori from several starts on the source-plane χ², polished on the image-plane χ² when that is the
    likelihood, then NUTS chains from there with R̂/ESS diagnostics, :mod:`.nuts`), ``"laplace"`` (the
    same MAP, then importance sampling around it: fastest, trustworthy only where its effective sample
    size says so) or ``"auto"`` (:func:`choose_search`, announced on the console).

    The results folder is written under the output policy (:mod:`clusterfit.output`): all files at once
    after the search and the plots, or nothing (an error, Ctrl-C, a kill); existing results are replaced only
    with ``overwrite``; other files there are never touched; it may not be the dataset folder. ``notes``
    receives what a user should know about files left there."""
    console = console or Console()
    t_fit = time.perf_counter()
    split_likelihood(likelihood)  # checked before any work
    if search not in (*SEARCHES, "auto"):
        raise ValueError(f"search must be one of {', '.join(SEARCHES)}, not {search!r}")
    check_pool(config.pool)
    composed = prepare(dataset_folder)
    likelihood, why = choose_likelihood(likelihood, len(composed.free), search)
    if why is not None:
        console.print(f"likelihood: {likelihood} ({why}; choose another with --likelihood)", highlight=False)
    kind, terms = split_likelihood(likelihood)
    if search == "auto":
        search, why = choose_search(kind, len(composed.free))
        console.print(f"search: {search} ({why}; choose another with --search)", highlight=False)
    owned = [*render_model(composed.model), "samples.csv", "summary.csv", "report.txt",
             *(_PLOTS if plots else ())]
    with (output_folder(results_folder, "fit", owned=owned, inputs=[dataset_folder], overwrite=overwrite,
                        companions=TABLE_FILES) as out, interruptible(), _corner_process(plots) as corner):
        if config.checkpoint is not None and search == "nautilus":
            check_checkpoint(config.checkpoint, fingerprint(composed, likelihood, config.n_live,
                                                            config.n_networks, config.n_batch, config.seed))
        result, start, compile_s = _search(dataset_folder, composed, likelihood, search, config, console, plots)
        # the table values are the truth only where simulate wrote the dataset; else just the start
        truth = start if "simulate" in read_manifest(dataset_folder)["runs"] else None
        if corner is not None:
            corner.draw(result.samples, result.weights, list(result.names), out.staging / "corner.png",
                        truths=truth, units=_units(composed))
        t_solve = time.perf_counter()
        with console.status("solving the images of the best fit ..."):
            evaluation = evaluate_model(composed, result.best)
        solve_s = time.perf_counter() - t_solve
        model = best_model(composed, result.best, evaluation)
        t_post = time.perf_counter()
        draws = posterior_draws(result.weights, result.samples, DERIVED_DRAWS, seed=1)  # derived and M(<R) alike
        derived = _derived(composed, result, draws, evaluation, console)
        t_derived = time.perf_counter() - t_post
        t_plots = time.perf_counter()
        if plots:
            with console.status("drawing the figures ..."):
                _plots(out.staging, composed, result, evaluation, draws)
                if (failed := corner.wait()) is not None:
                    console.print(f"note: corner.png was drawn in this process; its own process failed ({failed})",
                                  markup=False, highlight=False)
        timings = {"compile": compile_s, "search": result.wall_s, "final image solve": solve_s,
                   "derived quantities": t_derived, "figures": time.perf_counter() - t_plots}
        timings["total"] = time.perf_counter() - t_fit
        write_results(out.staging, composed, result, evaluation, model, likelihood, truth, compile_s, derived,
                      timings=timings)
        post = sum(timings[k] for k in POST_STAGES)
        console.print(f"post-processing (final image solve, derived quantities, figures) {post:,.1f} s of "
                      f"{timings['total']:,.1f} s ({100 * post / max(timings['total'], 1e-9):.0f} %)"
                      + ("" if plots else "; figures skipped (--no-plots)"), highlight=False)
    if notes is not None:
        notes.extend(out.notes)
    files = {name: out.folder / name for name in out.written}
    return FitResult(Path(results_folder), composed, result, evaluation, files, start, truth, likelihood, search)


def _search(dataset_folder, composed: ComposedModel, likelihood: str, search: str, config: SearchConfig,
            console: Console, plots: bool = True):
    """Compile the likelihood, run the search (compiling the post-processing's kernels beside it,
    :mod:`.warmup`); returns the search's result, the start θ (the tables' values) and the compile time."""
    data = point_data(composed)
    _, terms = split_likelihood(likelihood)
    check_terms(composed, data, terms)
    for column in TERMS:  # a column that is there but not fitted is said once, never dropped silently
        if getattr(data, column) is not None and column not in terms:
            n = int(np.isfinite(getattr(data, column)).sum())
            add = "+".join(("source", *terms, column))
            console.print(f"note: point_datasets.csv has {column} for {n} images; not fitted (add it: "
                          f"--likelihood {add})", highlight=False)
    start = composed.vector_from_tables()
    t0 = time.perf_counter()
    log_l = _log_likelihood(composed, data, likelihood)
    log_l(start[None, :])  # compile
    compile_s = time.perf_counter() - t0
    console.print(f"fitting {len(composed.free)} free parameters to {len(data.y)} images in "
                  f"{data.n_systems} systems ({likelihood}-plane likelihood, {search} search; compiled in "
                  f"{compile_s:.1f} s)")
    executor = as_executor(config.pool)
    if executor is not None:
        # workers compose the folder and compile their own functions; this process shares its own
        console.print(f"pool: {executor.label}", highlight=False)
        log_l = register(dataset_folder, likelihood, log_l)
    try:
        steps = post_processing_steps(composed, start, DERIVED_DRAWS, plots) if config.precompile else []
        config = replace(config, pool=executor)
        with Warmup(steps):
            if search == "nautilus":
                result = run_nautilus(log_l, composed.priors, config, console)
            else:
                result = _posterior_from_map(dataset_folder, composed, data, likelihood, search, log_l, config,
                                             console)
    finally:
        if executor is not None:
            executor.close()  # a pool we were given is left open (Executor.close is then a no-op)
    return result, start, compile_s


def _log_likelihood(composed: ComposedModel, data, likelihood: str):
    return build_log_likelihood(composed, data, likelihood)


def _map_stage(dataset_folder, composed: ComposedModel, data, likelihood: str, config: SearchConfig,
               console: Console):
    """MAP on the source-plane χ² from several starts, polished on the image-plane χ² when that is the
    likelihood; returns (the MAP, the target χ² function, gradient evaluations). With a pool the χ²
    functions are :class:`.executors.FolderFunction` handles, which its workers can rebuild."""
    t0 = time.perf_counter()
    likelihood, terms = split_likelihood(likelihood)
    source_chi2 = make_source_plane_chi2(composed, data, terms)
    chi2_s = lambda t: source_chi2(t)[0]  # noqa: E731
    if config.pool is not None:
        chi2_s = register(dataset_folder, "+".join(("source_chi2", *terms)), chi2_s)
    console.print(f"maximum a posteriori, source-plane χ², {config.n_starts} starts:")
    found = find_map(chi2_s, composed.priors, composed.vector_from_tables(), config.n_starts,
                     config.seed, console, pool=config.pool)
    n_grad = found.n_eval
    target_chi2 = chi2_s
    if likelihood == "image":
        image_chi2 = make_local_image_chi2(composed, data)
        target_chi2 = lambda t: image_chi2(t)[0]  # noqa: E731
        if config.pool is not None:
            target_chi2 = register(dataset_folder, "image_chi2", target_chi2)
        console.print("maximum a posteriori, image-plane χ², from there:")
        found = find_map(target_chi2, composed.priors, found.theta, 1, config.seed, console)
        n_grad += found.n_eval
    console.print(f"MAP: {likelihood}-plane χ² = {found.chi2:,.3f} ({n_grad:,} gradient evaluations, "
                  f"{time.perf_counter() - t0:,.1f} s)")
    return found, target_chi2, n_grad


def _posterior_from_map(dataset_folder, composed: ComposedModel, data, likelihood: str, search: str, log_l,
                        config: SearchConfig, console: Console) -> SearchResult:
    """The MAP (:func:`_map_stage`), then the posterior around it: NUTS (:mod:`.nuts`) or importance
    sampling (:func:`.importance.laplace_importance`), on the curvature of the likelihood being sampled."""
    t0 = time.perf_counter()
    found, target_chi2, n_grad = _map_stage(dataset_folder, composed, data, likelihood, config, console)
    if search == "nuts":
        rough = None
        if split_likelihood(likelihood)[0] == "image":
            rough = partial(_linearise_unsettled, dataset_folder, composed, data, config.pool is not None)
        result = nuts_posterior(log_l, target_chi2, composed.priors, found.theta, config,
                                executor=config.pool, console=console, rough=rough)
    else:
        result = laplace_importance(log_l, target_chi2, composed.priors, found.theta,
                                    config.n_samples, config.seed, pool=config.pool, console=console)
    # the polished MAP is the best point we know; the samples give the posterior around it
    return replace(result, best=found.theta, map=found.theta, n_like=result.n_like + n_grad,
                   wall_s=time.perf_counter() - t0)


def _linearise_unsettled(dataset_folder, composed: ComposedModel, data, pooled: bool, thetas: np.ndarray):
    """NUTS's ``rough`` check (:func:`.nuts.nuts_posterior`): the images whose Newton counterpart does not
    settle around the MAP, an image-plane χ² that compares those in the source plane (linearised
    offset), smooth where theirs is not, and where that χ² is smooth (every other image settled):
    (lines, χ², settled), or ([], None, settled) when every image settles."""
    index, lines = describe_unsettled(composed, data, thetas)
    settled = make_settled_check(composed, data, linearised=index)
    if not index:
        return [], None, settled
    lines = [f"the image-plane χ² is not smooth around the MAP at {len(index)} image(s); NUTS compares "
             "these by their linearised offset (the source-plane χ²'s term) and every other image in the "
             "image plane (the MAP and the rms stay image-plane; check these identifications):",
             *(f"  {line}" for line in lines)]
    # for NUTS alone: the last Newton step's Jacobian without gradient (local_images docstring)
    chi2 = make_local_image_chi2(composed, data, linearised=index, fixed_jacobian=True)
    target = lambda t: chi2(t)[0]  # noqa: E731
    if pooled:
        target = register(dataset_folder, "image_chi2:" + ",".join(map(str, index)), target)
    return lines, target, settled


_PLOTS = ("critical_curves.png", "corner.png", "mass_profile.png")
DERIVED_DRAWS = 20


def _derived(composed: ComposedModel, result: SearchResult, draws: np.ndarray, evaluation, console: Console):
    """Derived quantities (:mod:`clusterfit.products.derived`) at the best fit and over ``draws``."""
    from ..products.derived import derived_quantities

    with console.status("derived quantities (Einstein radii, masses, magnifications) ..."):
        return derived_quantities(composed.at(result.best), result.best, evaluation, draws,
                                  extent=_derived_extent(composed))


def _derived_extent(composed: ComposedModel) -> float:
    from .plots import default_extent

    return 1.6 * default_extent(composed)[1]


def _plots(folder: Path, composed, result, evaluation, draws: np.ndarray) -> dict[str, Path]:
    """The critical-curve and mass-profile figures, M(<R) over ``draws`` (the corner plot is drawn beside:
    :func:`_corner_process`)."""
    from ..products.derived import plot_mass_profile
    from .plots import plot_critical_curves

    return {
        "critical_curves.png": plot_critical_curves(composed, result.best, evaluation,
                                                    folder / "critical_curves.png"),
        "mass_profile.png": plot_mass_profile(composed.at(result.best), result.best, folder / "mass_profile.png",
                                              draws),
    }


@contextlib.contextmanager
def _corner_process(plots: bool) -> Iterator[CornerProcess | None]:
    """The process that draws the corner plot (:class:`.corner_plot.CornerProcess`), started with the search so
    that its imports overlap it, stopped when the fit ends however it ends; None without figures."""
    if not plots:
        yield None
        return
    corner = CornerProcess()
    try:
        yield corner
    finally:
        corner.stop()


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
