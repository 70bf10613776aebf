"""The results folder of a fit: samples, summary, the best-fit model as the same CSV tables, a report.

``RESULTS/`` is itself a complete model folder (``simulate`` and ``fit`` accept it): the model tables with
the best-fit values written into their cells, ``point.csv`` source centres set to the sources the
evaluation used, and the dataset's ``point_datasets.csv``. Every file is written atomically.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..model import ComposedModel
from ..output import write_files_atomic
from ..tables import ClusterModel, ProfileRow
from ..tables.csvio import render_csv
from ..tables.model import render_model
from .evaluate import Evaluation
from .search import SearchResult

__all__ = ["POST_STAGES", "best_model", "summary_rows", "write_results", "report_text"]


def best_model(composed: ComposedModel, theta, evaluation: Evaluation) -> ClusterModel:
    """The model with θ in its cells and each point source at the source position the evaluation used."""
    model = composed.with_vector(theta)
    sources = {s.name: s for s in evaluation.systems}
    points: list[ProfileRow] = []
    for row in model.point:
        s = sources.get(row.attr_name)
        points.append(row if s is None else replace(row, values={**row.values, "y": s.source_y,
                                                                 "x": s.source_x}))
    return model.replace(point=tuple(points))


def summary_rows(result: SearchResult, composed: ComposedModel, truth=None) -> list[list]:
    """One row per free parameter: name, median, 16 %, 84 %, MAP, max likelihood, prior, then the
    ``truth`` (a simulated dataset's values) when given and the NUTS diagnostics when there are any."""
    q16, q50, q84 = result.quantiles([0.16, 0.5, 0.84])
    rows = []
    for i, fp in enumerate(composed.free):
        row = [fp.name, q50[i], q16[i], q84[i], result.map[i], result.best[i], fp.prior.describe()]
        if truth is not None:
            row.append(truth[i])
        if result.diagnostics is not None:
            d = result.diagnostics
            row += [d.r_hat[i], d.ess_bulk[i], d.ess_tail[i]]
        rows.append(row)
    return rows


def report_text(result: SearchResult, evaluation: Evaluation, composed: ComposedModel,
                likelihood: str, compile_s: float | None = None,
                timings: dict[str, float] | None = None) -> str:
    lines = [
        "clusterfit fit report",
        f"likelihood: {likelihood}-plane chi2 (search), image-plane rms below",
        f"free parameters: {len(composed.free)}; images: {evaluation.n_images}; "
        f"systems: {len(evaluation.systems)}; members: {composed.n_members}",
        f"log-evidence: {result.log_z:.3f}" if np.isfinite(result.log_z)
        else "log-evidence: not computed (MCMC search)",
        f"likelihood evaluations: {result.n_like:,}; wall time: {result.wall_s:.1f} s"
        + (f"; compile: {compile_s:.1f} s" if compile_s is not None else ""),
        *_timing_lines(timings),
        f"best fit: image-plane chi2 = {evaluation.chi2:.3f}, rms = {evaluation.rms_arcsec:.4f} arcsec; "
        f"missing images: {evaluation.n_missing}, extra predicted: {evaluation.n_extra}",
        "",
        f"{'system':<14}{'z':>8}{'n_obs':>7}{'n_pred':>8}{'rms [arcsec]':>14}{'chi2':>10}",
    ]
    for s in evaluation.systems:
        lines.append(f"{s.name:<14}{s.redshift:>8.4g}{s.n_images:>7}{len(s.predicted):>8}"
                     f"{s.rms_arcsec:>14.4f}{s.chi2:>10.3f}")
    lines += _diagnostics_lines(result)
    lines += ["", "predicted images (y, x, magnification):"]
    for s in evaluation.systems:
        lines.append(f"  {s.name}: source ({s.source_y:.6f}, {s.source_x:.6f})")
        for y, x, mu in s.predicted:
            lines.append(f"    {y:12.6f} {x:12.6f} {mu:10.3f}")
    return "\n".join(lines) + "\n"


POST_STAGES = ("final image solve", "derived quantities", "figures")
"""The post-processing stages of ``timings``, one after another."""


def _timing_lines(timings: dict[str, float] | None) -> list[str]:
    """Where the fit's wall time went: each stage in seconds, and the post-processing share."""
    if not timings:
        return []
    total = timings.get("total", sum(timings.values()))
    post = sum(timings.get(k, 0.0) for k in POST_STAGES)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
    return [f"fit wall time: {total:.1f} s ({stages}); post-processing (final image solve, derived quantities, figures) "
            f"{post:.1f} s = {100 * post / max(total, 1e-9):.0f} %"]


def _diagnostics_lines(result: SearchResult) -> list[str]:
    """The convergence block of the report (NUTS): thresholds, per-parameter R̂ and ESS, warnings."""
    from .nuts import ESS_MIN, RHAT_MAX

    d = result.diagnostics
    if d is None:
        return []
    verdict = "converged" if d.converged else "NOT CONVERGED"
    lines = ["", f"convergence ({verdict}; wanted split-R̂ < {RHAT_MAX}, bulk and tail ESS ≥ {ESS_MIN}, "
             "no divergences):",
             f"  chains {d.n_chains}, draws {len(result.samples):,}, acceptance {d.acceptance:.3f}, "
             f"divergences {d.divergences}, step size {d.step_size:.3g}, leapfrog steps per draw {d.mean_steps:.1f}",
             f"  {'parameter':<28}{'r_hat':>9}{'ess_bulk':>10}{'ess_tail':>10}"]
    for name, r, b, t in zip(result.names, d.r_hat, d.ess_bulk, d.ess_tail, strict=True):
        lines.append(f"  {name:<28}{r:>9.4f}{b:>10.0f}{t:>10.0f}")
    lines += [f"  WARNING: {p}" for p in d.problems(result.names)]
    return lines


def write_results(folder: Path, composed: ComposedModel, result: SearchResult, evaluation: Evaluation,
                  model: ClusterModel, likelihood: str, truth=None,
                  compile_s: float | None = None, derived=None,
                  timings: dict[str, float] | None = None) -> dict[str, Path]:
    """Write every results file into ``folder`` (each atomically); returns their paths by name.

    :func:`.run.fit` writes into the staging folder of its output (:mod:`clusterfit.output`), which puts the
    files in place together and removes those of an earlier fit that this one does not write."""
    folder = Path(folder)
    contents: dict[str, str] = dict(render_model(model))
    names = list(result.names)
    contents["samples.csv"] = render_csv(
        ["weight", "log_likelihood", *names],
        [[w, ll, *s] for w, ll, s in zip(result.weights, result.log_l, result.samples, strict=True)])
    header = ["parameter", "median", "lower_16", "upper_84", "map", "max_likelihood", "prior"]
    if truth is not None:  # only for a dataset that simulate wrote (fit.run)
        header.append("truth")
    if result.diagnostics is not None:
        header += ["r_hat", "ess_bulk", "ess_tail"]
    rows = summary_rows(result, composed, truth)
    for q in derived or ():  # derived quantities: median, 16/84 % over draws; best fit in max_likelihood
        rows.append([f"derived.{q.name}", q.median, q.lower_16, q.upper_84, None, q.best,
                     f"derived [{q.unit or '1'}]"] + [None] * (len(header) - 7))
    contents["summary.csv"] = render_csv(header, rows)
    contents["report.txt"] = report_text(result, evaluation, composed, likelihood, compile_s, timings) + \
        images_text(evaluation, composed.model.sky_reference) + derived_text(derived or [])
    write_files_atomic(folder, contents)
    return {name: folder / name for name in contents}


def images_text(evaluation: Evaluation, sky_reference=None) -> str:
    """Report section: every predicted image with its RA/Dec (with ``sky_reference.csv``), signed
    magnification and time delay (days, relative to the image paired with the first observed one)."""
    from ..tables.sky import sky_from_offsets

    lines = ["", "predicted images" + (" on the sky (RA, Dec in degrees, ICRS)" if sky_reference else "")
             + ": y, x [arcsec], magnification, time delay [days]"]
    for s in evaluation.systems:
        if not s.predicted:
            continue
        ys, xs = [p[0] for p in s.predicted], [p[1] for p in s.predicted]
        ra, dec = sky_from_offsets(sky_reference, ys, xs) if sky_reference else ([None] * len(ys),) * 2
        delays = s.time_delays or [float("nan")] * len(ys)
        lines.append(f"  {s.name} (z = {s.redshift:g})")
        for (y, x, mu), a, d, dt in zip(s.predicted, ra, dec, delays, strict=True):
            sky = f"{a:12.7f} {d:12.7f}  " if a is not None else ""
            lines.append(f"    {sky}{y:11.5f} {x:11.5f} {mu:10.3f} {dt:11.2f}")
    return "\n".join(lines) + "\n"


def derived_text(derived) -> str:
    """The report section of the derived quantities (:mod:`clusterfit.products.derived`)."""
    if not derived:
        return ""
    lines = ["", "derived quantities (best fit; posterior median and 16-84 % over draws of the samples):",
             f"  {'quantity':<34}{'unit':>8}{'best':>14}{'median':>14}{'16 %':>14}{'84 %':>14}"]
    for q in derived:
        lines.append(f"  {q.name:<34}{q.unit or '-':>8}{q.best:>14.5g}{q.median:>14.5g}{q.lower_16:>14.5g}"
                     f"{q.upper_84:>14.5g}")
    return "\n".join(lines) + "\n"

