"""One simulated cluster fitted by clusterfit and by PyAutoLens (issue 5, acceptance 4).

The example cluster (``clusterfit.example_folder()``: halo + 2 galaxies as dPIEMass, a 30-member
dPIEMassSph scaling tier, 3 point sources at z = 1.5, 2, 3; 10 free parameters) is simulated once
(seed 1, 0.05″ position noise) and fitted by

* clusterfit: ``clusterfit.fit.run.fit`` (source-plane χ², Nautilus, n_live 200, n_networks 1);
* PyAutoLens: ``al.AnalysisPoint(fit_positions_cls=al.FitPositionsSourceSolved)`` per source, joined by
  ``af.FactorGraphModel``, over an ``af.Collection`` of ``af.Model`` galaxies built from the same tables: the 10 free
  parameters as autofit priors with the same types and bounds, everything else fixed to the table
  values; each member's σ and r_cut are ``prior_ref × (L_i/L_ref)^exponent`` (the library's
  ``clusterfit.interop.autolens.to_autolens_model``: a ``member_class`` built from the relation, so the
  tier shares the two relation priors), searched with ``af.Nautilus`` with the same
  n_live, n_networks, n_eff and seed, numpy path (``PYAUTO_DISABLE_JAX=1``), one core, from a
  temporary folder with fit output, visualisation and latents off.

The PyAutoLens search is capped at ``--budget`` seconds of likelihood time (``n_like_max`` from a
timed evaluation); if the cap is hit its end-to-end time is extrapolated to our number of
evaluations and its medians are those of an unconverged run (the table says so).

    .venv/bin/python benchmarks/fit_vs_autolens.py              # --n-live 200 --budget 480

At cluster scale (issue 20): ``--members N`` replaces the example's 30 members by N (seeded; the
model folder is built by ``cluster_scale.py``: Schechter magnitudes, ±60″ field) and draws sources on
the example's three planes until the images number ≥ ``--min-images`` (30), none with |μ| < 0.1; the
10 free parameters and priors are the example's. Both Nautilus runs then use the same ``n_batch``
(ours, 256). The script also reports each side's compile (ours: the jit before the search; theirs:
the first call of their batched objective, timed by wrapping ``Fitness.call_wrap``), steady-state
evaluations/s, where the wall time went, the load average and peak memory, and each median's
distance in σ (the mean of the two 68 % half-widths).

    .venv/bin/python benchmarks/fit_vs_autolens.py --jax --members 300   # --min-images 30
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_JAX = "--jax" in sys.argv  # PyAutoLens reads its environment at import
for _k in ("PYAUTO_SKIP_FIT_OUTPUT", "PYAUTO_SKIP_VISUALIZATION", "PYAUTO_SKIP_LATENTS"):
    os.environ.setdefault(_k, "1")
if not _JAX:
    os.environ.setdefault("PYAUTO_DISABLE_JAX", "1")

import clusterfit  # noqa: E402
from clusterfit.fit.likelihood import make_log_likelihood, point_data  # noqa: E402
from clusterfit.fit.results import POST_STAGES  # noqa: E402
from clusterfit.fit.run import fit  # noqa: E402
from clusterfit.fit.search import SearchConfig  # noqa: E402
from clusterfit.interop.autolens import (  # noqa: E402
    autolens_priors,
    to_autolens_analyses,
    to_autolens_model,
)
from clusterfit.simulate import simulate  # noqa: E402
from clusterfit.tables import load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n-live", type=int, default=200)
    ap.add_argument("--n-eff", type=int, default=2000)
    ap.add_argument("--n-networks", type=int, default=1)
    ap.add_argument("--budget", type=float, default=480.0,
                    help="cap on PyAutoLens likelihood time [s] (sets n_like_max; numpy path)")
    ap.add_argument("--jax", action="store_true",
                    help="PyAutoLens's JAX path (jit + vmap), uncapped, instead of numpy")
    ap.add_argument("--jax-max-evals", type=int, default=None,
                    help="cap PyAutoLens's JAX search at this many evaluations (default: uncapped)")
    ap.add_argument("--members", type=int, default=None,
                    help="the example with N members and ≥ --min-images images (default: the example as is)")
    ap.add_argument("--min-images", type=int, default=30)
    ap.add_argument("--n-batch", type=int, default=None,
                    help="Nautilus n_batch on both sides (default: ours 256, and with --members theirs too; "
                         "without it theirs keeps af.Nautilus's 100)")
    args = ap.parse_args()
    n_batch = args.n_batch or SearchConfig().n_batch
    their_batch = n_batch if (args.n_batch or args.members) else None
    print(f"load average at start: {_load()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="clusterfit_vs_autolens_"))
    folder = clusterfit.example_folder()
    if args.members is not None:
        from cluster_scale import cluster_folder

        folder, what = cluster_folder(tmp / "model", args.members, args.min_images, seed=args.seed + 2)
        print(f"model: {what}", flush=True)
    data = simulate(folder, tmp / "data", seed=args.seed, overwrite=True)

    # --- clusterfit ---------------------------------------------------------------------------
    t0 = time.perf_counter()
    ours = fit(data, tmp / "ours", plots=False, search="nautilus",
               config=SearchConfig(n_live=args.n_live, n_eff=args.n_eff, n_networks=args.n_networks,
                                   n_batch=n_batch, seed=args.seed, progress=False))
    ours_wall = time.perf_counter() - t0
    ours_stages = _stages((tmp / "ours" / "report.txt").read_text())
    ours_rss = _peak_gib()
    print(f"load average after clusterfit: {_load()}", flush=True)
    s = ours.search
    names = list(s.names)
    truths = ours.truth
    ours_q = s.quantiles([0.16, 0.5, 0.84])
    print(f"clusterfit: {ours_wall:.1f} s end to end ({', '.join(f'{k} {v:.1f} s' for k, v in ours_stages.items())}"
          f"), {s.n_like:,} evaluations, {len(ours.composed.model.point_images)} images, "
          f"rms {ours.evaluation.rms_arcsec:.4f}″, peak RSS {ours_rss:.1f} GiB", flush=True)

    # --- PyAutoLens ---------------------------------------------------------------------------
    os.chdir(tmp)
    t_import = time.perf_counter()
    import logging

    import autofit as af
    import autolens as al
    from autofit.non_linear.fitness import Fitness

    logging.getLogger().handlers.clear()
    logging.getLogger().setLevel(logging.WARNING)
    import_s = time.perf_counter() - t_import

    t_setup = time.perf_counter()
    model = load_model(data)
    composed = ours.composed
    # the library's construction (docs/autolens.md): priors.csv as autofit priors, the scaling tier as
    # shared relation priors (member_class), PointSolved sources, FitPositionsSourceSolved analyses
    af_model = to_autolens_model(model, composed)
    priors = autolens_priors(af_model, composed)
    assert af_model.prior_count == len(names), (af_model.prior_count, len(names))
    solver = al.PointSolver.for_grid(
        grid=al.Grid2D.uniform(shape_native=(200, 200), pixel_scales=0.5),
        pixel_scale_precision=1e-3, magnification_threshold=0.1, use_jax=False)
    analyses = to_autolens_analyses(model, composed, solver=solver, use_jax=args.jax)
    # several datasets sharing one model: autofit's factor graph (AnalysisPoint has no `+` here)
    analysis = af.FactorGraphModel(*[af.AnalysisFactor(prior_model=af_model, analysis=a)
                                     for a in analyses])

    counter = {"n": 0}
    inner = analyses[0].log_likelihood_function

    def counted(instance, *a, **k):
        counter["n"] += 1
        return inner(instance, *a, **k)

    analyses[0].log_likelihood_function = counted
    setup_s = time.perf_counter() - t_setup

    # likelihood agreement and timing at the truth and at our best fit
    ours_log_l = make_log_likelihood(composed, point_data(composed))

    # the spot checks go through their numpy path: op-by-op JAX outside jit takes minutes per call at
    # 100 members on this machine (the same likelihood; the search below uses `analyses`)
    checks_an = to_autolens_analyses(model, composed, solver=solver, use_jax=False) if args.jax else analyses

    def theirs_log_l(theta):
        inst = af_model.instance_for_arguments({priors[n]: float(v) for n, v in zip(names, theta,
                                                                                   strict=True)})
        return float(sum(a.log_likelihood_function(inst) for a in checks_an))

    checks = {"truth": truths, "our best": s.best}
    for label, th in checks.items():
        lo = float(np.asarray(ours_log_l(th[None, :]))[0])
        lt = theirs_log_l(th)
        print(f"log L at {label}: clusterfit {lo:.4f}, PyAutoLens {lt:.4f}", flush=True)
    pair = np.asarray(ours_log_l(np.stack([truths, s.best])))
    dl_ours = float(pair[1] - pair[0])
    dl_theirs = theirs_log_l(s.best) - theirs_log_l(truths)
    print(f"Δlog L (best − truth): clusterfit {dl_ours:.4f}, PyAutoLens {dl_theirs:.4f}")
    reps = []
    for _ in range(0 if args.jax else 10):
        t1 = time.perf_counter()
        theirs_log_l(truths)
        reps.append(time.perf_counter() - t1)
    t_eval = float(np.median(reps)) if reps else float("nan")
    n_like_max = (args.jax_max_evals or float("inf")) if args.jax else int(args.budget / t_eval)
    if not args.jax:
        print(f"PyAutoLens: {t_eval * 1e3:.1f} ms per evaluation (instance + 3 analyses); "
              f"n_like_max = {n_like_max:,}", flush=True)

    # our steady-state likelihood cost per vector (a batch of n_batch, as in the search)
    batch = np.repeat(truths[None, :], n_batch, axis=0)
    np.asarray(ours_log_l(batch))
    t1, k = time.perf_counter(), 0
    while time.perf_counter() - t1 < 2.0:
        np.asarray(ours_log_l(batch))
        k += 1
    ours_per_vec = (time.perf_counter() - t1) / (k * n_batch)

    counter["n"] = 0
    calls: list[tuple[float, float, int]] = []  # (start, duration, rows) of every call of their objective
    wrapped = Fitness.call_wrap

    def timed_call_wrap(self, parameters):
        t = time.perf_counter()
        out = wrapped(self, parameters)
        np.asarray(out)
        d, r = time.perf_counter() - t, int(np.atleast_2d(np.asarray(parameters)).shape[0])
        if r not in {c[2] for c in calls} or len(calls) % 50 == 0:  # so a run cut short still reports
            print(f"PyAutoLens objective: call {len(calls) + 1}, batch {r}, {d:.2f} s, ends "
                  f"{t + d - t2:.1f} s into the search, {sum(c[2] for c in calls) + r:,} evaluations so far",
                  flush=True)
        calls.append((t, d, r))
        return out

    Fitness.call_wrap = timed_call_wrap
    extra = {} if their_batch is None else {"n_batch": their_batch}
    search = af.Nautilus(name="fit_vs_autolens", n_live=args.n_live, n_networks=args.n_networks,
                         n_eff=args.n_eff, seed=args.seed, n_like_max=n_like_max,
                         discard_exploration=True, number_of_cores=1, verbose=False, **extra)
    t2 = time.perf_counter()
    result = search.fit(model=analysis.global_prior_model, analysis=analysis)
    search_s = time.perf_counter() - t2
    Fitness.call_wrap = wrapped
    theirs_rss = _peak_gib()
    n_calls = sum(r for *_, r in calls)
    n_theirs = max(counter["n"], n_calls, int(result.samples.samples_info.get("total_samples", 0)))
    capped = n_theirs >= 0.98 * n_like_max
    samples = result.samples
    ids = [p.id for p in samples.model.priors_ordered_by_id]
    cols = [ids.index(priors[n].id) for n in names]
    pts = np.asarray(samples.parameter_lists)[:, cols]
    w = np.asarray(samples.weight_list, dtype=float)
    w = w / w.sum()
    theirs_q = []
    for j in range(len(names)):
        order = np.argsort(pts[:, j])
        cdf = np.cumsum(w[order])
        theirs_q.append(np.interp([0.16, 0.5, 0.84], cdf / cdf[-1], pts[order, j]))
    theirs_q = np.array(theirs_q).T
    theirs_total = import_s + setup_s + search_s
    print(f"PyAutoLens: import {import_s:.1f} s, setup {setup_s:.1f} s, search {search_s:.1f} s, "
          f"{n_theirs:,} evaluations{' (capped)' if capped else ''}, peak RSS (process) {theirs_rss:.1f} GiB",
          flush=True)
    print(f"load average after PyAutoLens: {_load()}", flush=True)
    prof = _their_profile(calls, t2, search_s)

    half = 0.25 * ((ours_q[2] - ours_q[0]) + (theirs_q[2] - theirs_q[0]))  # mean 68 % half-width
    dist = np.abs(ours_q[1] - theirs_q[1]) / half
    print("\n| parameter | truth | clusterfit median [16 %, 84 %] | PyAutoLens median [16 %, 84 %] "
          "| Δ median / σ |")
    print("|---|---:|---:|---:|---:|")
    for j, n in enumerate(names):
        print(f"| {n} | {truths[j]:.4g} | {ours_q[1, j]:.4g} [{ours_q[0, j]:.4g}, {ours_q[2, j]:.4g}] | "
              f"{theirs_q[1, j]:.4g} [{theirs_q[0, j]:.4g}, {theirs_q[2, j]:.4g}] | {dist[j]:.2f} |")
    print(f"largest Δ median / σ: {dist.max():.2f} ({names[int(dist.argmax())]}); σ = mean of the two "
          "68 % half-widths")

    print(f"\n| | clusterfit | PyAutoLens ({'JAX' if args.jax else 'numpy'}) |")
    print("|---|---:|---:|")
    print(f"| end-to-end wall [s] | {ours_wall:.1f} | {theirs_total:.1f}"
          f"{' (capped run)' if capped else ''} |")
    print(f"| compile [s] | {ours_stages.get('compile', float('nan')):.1f} (jit before the search) | "
          f"{prof['compile']:.1f} (first call of their objective, less a steady call; "
          f"{prof['first_end']:.1f} s from the search start to its end; "
          f"{prof['n_shapes']} batch shapes) |")
    print(f"| search wall [s] | {s.wall_s:.1f} | {search_s:.1f} |")
    print(f"| likelihood time in the search [s] | ≈ {s.n_like * ours_per_vec:.1f} ({ours_per_vec * 1e6:.0f} µs/vector "
          f"× evaluations) | {prof['like']:.1f} (their objective's calls, first-call compile excluded; "
          f"{prof['per_vec'] * 1e6:.0f} µs/vector) |")
    print(f"| sampler's own time in the search [s] | ≈ {s.wall_s - s.n_like * ours_per_vec:.1f} | "
          f"{search_s - prof['like'] - prof['compile']:.1f} |")
    post = sum(ours_stages.get(k, 0.0) for k in POST_STAGES)
    if ours_stages:
        print(f"| after the search [s] | {post:.1f} (final image solve, derived quantities) | — |")
    print(f"| before the search [s] | {ours_wall - s.wall_s - ours_stages.get('compile', 0.0) - post:.1f} "
          f"(load, compose, write) | {import_s + setup_s:.1f} (import {import_s:.1f}, setup {setup_s:.1f}) |")
    print(f"| peak memory (process RSS) [GiB] | {ours_rss:.1f} | {theirs_rss:.1f} (same process, after ours) |")
    print(f"| likelihood evaluations | {s.n_like:,} | {n_theirs:,}{' (cap)' if capped else ''} |")
    print(f"| evaluations / s (search) | {s.n_like / s.wall_s:,.0f} | {n_theirs / search_s:,.1f} |")
    print(f"| evaluations / s (likelihood alone, steady) | {1 / ours_per_vec:,.0f} | "
          f"{1 / prof['per_vec'] if prof['per_vec'] else float('nan'):,.0f} |")
    if np.isfinite(t_eval):
        print(f"| time per evaluation, isolated | — | {t_eval * 1e3:.1f} ms |")
    if capped:
        est = import_s + setup_s + s.n_like * search_s / max(n_theirs, 1)
        print(f"| extrapolated end-to-end at {s.n_like:,} evaluations [s] | — | ≈ {est:,.0f} |")
        print(f"\nspeed-up: ≥ {theirs_total / ours_wall:.0f}× measured (capped), "
              f"≈ {est / ours_wall:.0f}× extrapolated to our evaluation count")
    else:
        print(f"\nspeed-up (end to end): {theirs_total / ours_wall:.1f}×")
    os.chdir(Path.home())
    shutil.rmtree(tmp, ignore_errors=True)


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _stages(report: str) -> dict[str, float]:
    """The stage timings of our report.txt's 'fit wall time' line: {stage: seconds}."""
    m = re.search(r"fit wall time: [\d.]+ s \(([^)]*)\)", report)
    return {k.strip(): float(v) for k, v in re.findall(r"([a-z ]+) ([\d.]+) s", m.group(1))} if m else {}


def _their_profile(calls, t_start: float, search_s: float) -> dict[str, float]:
    """Compile and steady likelihood time of their objective from the timed calls: a call with a new
    batch shape compiles; its time less a steady call of that size is counted as compile."""
    seen: set[int] = set()
    compile_s, like_s, rows = 0.0, 0.0, 0
    steady = [d / r for _, d, r in calls[1:]]
    per_vec = float(np.median(steady)) if steady else float("nan")
    for _, d, r in calls:
        if r not in seen:
            seen.add(r)
            c = max(d - (per_vec * r if np.isfinite(per_vec) else 0.0), 0.0)
            compile_s += c
            like_s += d - c
        else:
            like_s += d
        rows += r
    first_end = (calls[0][0] + calls[0][1] - t_start) if calls else float("nan")
    return {"compile": compile_s, "like": like_s, "per_vec": per_vec, "first_end": first_end,
            "n_shapes": len(seen)}


if __name__ == "__main__":
    main()
