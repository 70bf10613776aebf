"""Benchmark: point-source image finding, clusterfit's solver vs PyAutoLens's ``PointSolver``
(issue 4, acceptance 5).

The example cluster (a dPIEMass halo + 2 dPIEMass BCGs at z = 0.3, one dPIEMassSph scaling tier) with
its 30 members replaced by 300, drawn with a seeded RNG like the example's (positions uniform within
±60″, magnitudes uniform in 18–22.5, luminosity = 10^(0.4 (18 − mag))); 30 sources, 10 on each of the
example's source planes (z = 1.5, 2, 3), drawn where they are multiply imaged (≥ 3 images; chosen with
a separately composed copy of the model, so that the timed solver starts cold).

* ours: ``make_image_solver(tracer)`` with default settings: (a) first call of ``solve_planes`` on
  all 30 sources, compile included (JAX persistent cache off); (b) the same call warm (median of 3);
  (c) one source per ``solve`` call, warm (median over ``--single`` sources per plane).
* PyAutoLens 2026.10.26.1, numpy path (``PYAUTO_DISABLE_JAX=1``), on ``to_autolens_tracer`` of the same
  model: ``al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(n, n), pixel_scales=s),
  pixel_scale_precision=p, magnification_threshold=0.1, use_jax=False)`` with the grid covering our
  solver's search square, ``solver.solve(tracer=, source_plane_coordinate=(y, x), plane_redshift=z)``,
  one source at a time, for p = 1e-3 and 1e-4; non-finite rows dropped.
* image counts: ours (all, and those with |μ| ≥ 0.1 as PyAutoLens keeps), theirs; whether ours found
  every image they found within 1e-3″ (and, the other way, ours with |μ| ≥ 0.1 that they missed).

    .venv/bin/python benchmarks/solve_images.py [--members 300] [--per-plane 10] [--autolens-sources 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import jax
import numpy as np

import clusterfit
from clusterfit.model import compose
from clusterfit.physics.solver import make_image_solver
from clusterfit.tables import ScalingGalaxy

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_enable_compilation_cache", False)

Z_SOURCES = (1.5, 2.0, 3.0)
MATCH = 1e-3  # arcsec


def cluster_model(n_members: int, seed: int = 4):
    base = clusterfit.load_model(clusterfit.example_folder())
    z = base.scaling_galaxies[0].redshift
    rng = np.random.default_rng(seed)
    ys, xs = rng.uniform(-60, 60, n_members), rng.uniform(-60, 60, n_members)
    mags = rng.uniform(18.0, 22.5, n_members)
    members = tuple(ScalingGalaxy(float(y), float(x), float(10 ** (0.4 * (18.0 - m))), z,
                                  {"mag": float(m), "id": f"m{i:04d}"})
                    for i, (y, x, m) in enumerate(zip(ys, xs, mags, strict=True)))
    return base.replace(scaling_galaxies=members)


def multiply_imaged_sources(model, per_plane: int, seed: int = 11):
    """``per_plane`` sources on each plane with ≥ 3 images (a separate composed copy of the model)."""
    composed = compose(model)
    params = composed.group_params(composed.vector_from_tables())
    solver = make_image_solver(composed.tracer)
    rng = np.random.default_rng(seed)
    requests = []
    for z in Z_SOURCES:
        plane = composed.tracer.layout.plane_index(z)
        sy, sx = rng.uniform(-6, 8, 200), rng.uniform(-10, 8, 200)
        images = solver.solve(params, sy, sx, plane)
        ok = np.nonzero([len(im.y) >= 3 for im in images])[0][:per_plane]
        assert len(ok) == per_plane, f"only {len(ok)} multiply imaged sources at z = {z}"
        requests.append((sy[ok], sx[ok], plane, z))
    return requests


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--per-plane", type=int, default=10)
    ap.add_argument("--autolens-sources", type=int, default=30, help="sources solved by PyAutoLens")
    ap.add_argument("--single", type=int, default=2, help="sources per plane timed one per solve call")
    ap.add_argument("--pixel-scale", type=float, default=0.5, help="PyAutoLens initial grid spacing")
    ap.add_argument("--precisions", type=float, nargs="+", default=[1e-3, 1e-4])
    args = ap.parse_args()

    model = cluster_model(args.members)
    requests = multiply_imaged_sources(model, args.per_plane)
    n_src = sum(len(r[0]) for r in requests)

    # --- ours --------------------------------------------------------------------------------
    composed = compose(model)
    params = composed.group_params(composed.vector_from_tables())
    solver = make_image_solver(composed.tracer)
    reqs = [(sy, sx, plane) for sy, sx, plane, _ in requests]
    t0 = time.perf_counter()
    ours = solver.solve_planes(params, reqs)
    t_first = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        solver.solve_planes(params, reqs)
        warm.append(time.perf_counter() - t0)
    t_warm = statistics.median(warm)
    single = []
    for sy, sx, plane in reqs:
        solver.solve(params, sy[:1], sx[:1], plane)  # the single-source chunk shapes compile once
        for k in range(min(args.single, len(sy))):
            t0 = time.perf_counter()
            solver.solve(params, sy[k : k + 1], sx[k : k + 1], plane)
            single.append(time.perf_counter() - t0)
    t_single = statistics.median(single)
    all_y = np.concatenate([r[0] for r in reqs])
    all_x = np.concatenate([r[1] for r in reqs])
    cy, cx, half = solver.region(params, all_y, all_x, composed.tracer.layout.reference_plane)
    ours_flat = [im for per in ours for im in per]

    # --- PyAutoLens ----------------------------------------------------------------------------
    os.environ.update(PYAUTO_DISABLE_JAX="1", PYAUTO_SKIP_FIT_OUTPUT="1", PYAUTO_SKIP_VISUALIZATION="1",
                      PYAUTO_SKIP_LATENTS="1")
    os.chdir(tempfile.mkdtemp(prefix="solve_images_"))
    import logging

    import autolens as al

    from clusterfit.interop.autolens import to_autolens_tracer

    logging.getLogger().handlers.clear()
    logging.getLogger().setLevel(logging.WARNING)
    tracer = to_autolens_tracer(model, composed=composed)
    s = args.pixel_scale
    n = int(np.ceil(2 * (half + max(abs(cy), abs(cx))) / s))
    picks = [(sy[k], sx[k], z, i) for i, (sy, sx, _, z) in enumerate(
        [(r[0], r[1], r[2], r[3]) for r in requests]) for k in range(len(sy))]
    # spread a limited number of PyAutoLens sources evenly over the planes
    order = sorted(range(len(picks)), key=lambda j: (j % args.per_plane, j // args.per_plane))
    picks_idx = sorted(order[: args.autolens_sources])
    theirs: dict[float, list] = {}
    t_theirs: dict[float, list[float]] = {}
    for p in args.precisions:
        al_solver = al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(n, n), pixel_scales=s),
                                            pixel_scale_precision=p, magnification_threshold=0.1,
                                            use_jax=False)
        theirs[p], t_theirs[p] = [], []
        for j in picks_idx:
            y, x, z, _ = picks[j]
            t0 = time.perf_counter()
            res = al_solver.solve(tracer=tracer, source_plane_coordinate=(float(y), float(x)),
                                  plane_redshift=z)
            t_theirs[p].append(time.perf_counter() - t0)
            arr = np.asarray(res).reshape(-1, 2)
            theirs[p].append(arr[np.all(np.isfinite(arr), axis=1)])

    # --- table ---------------------------------------------------------------------------------
    print(f"\ncluster: 3 dPIEMass + {args.members} dPIEMassSph members; {n_src} sources "
          f"({args.per_plane} per plane at z = {', '.join(map(str, Z_SOURCES))}), all multiply imaged; "
          f"our search square ±{half:.1f}″; PyAutoLens grid {n}×{n} at {s}″ "
          f"({len(picks_idx)} sources)")
    n_ours = sum(len(im.y) for im in ours_flat)
    n_ours_01 = sum(int(np.sum(np.abs(im.magnification) >= 0.1)) for im in ours_flat)
    print("\n| solver | per source [s] | total [s] | ratio (theirs / ours warm batched) |")
    print("|---|---:|---:|---:|")
    print(f"| ours, first call (compile incl.), {n_src} sources batched | {t_first / n_src:.3f} | "
          f"{t_first:.2f} | |")
    print(f"| ours, warm, {n_src} sources batched (`solve_planes`) | {t_warm / n_src:.4f} | {t_warm:.2f} | |")
    print(f"| ours, warm, one source per `solve` (median of {len(single)}) | {t_single:.3f} | | |")
    for p in args.precisions:
        per = statistics.mean(t_theirs[p])
        print(f"| PyAutoLens numpy, precision {p:g} (mean; median {statistics.median(t_theirs[p]):.3f}) | "
              f"{per:.3f} | {sum(t_theirs[p]):.2f} | {per / (t_warm / n_src):.0f}× "
              f"(vs one-source `solve`: {per / t_single:.1f}×) |")
    print("\n| per source (plane z, β) | ours all | ours abs(μ) ≥ 0.1 | "
          + " | ".join(f"PyAutoLens {p:g}" for p in args.precisions)
          + " | ours ⊇ theirs (1e-3″) | ours abs(μ) ≥ 0.1 not in theirs |")
    print("|---|---:|---:|" + "---:|" * len(args.precisions) + "---|---|")
    all_found, missed_total = True, 0
    for row, j in enumerate(picks_idx):
        y, x, z, _ = picks[j]
        im = ours_flat[j]
        bright = np.abs(im.magnification) >= 0.1
        found_all, detail = True, []
        for p in args.precisions:
            for ty, tx in theirs[p][row]:
                d = np.min(np.hypot(im.y - ty, im.x - tx), initial=np.inf)
                if d > MATCH:
                    found_all = False
                    detail.append(f"p={p:g}: ({ty:.4f}, {tx:.4f}) d={d:.2g}″")
        # theirs at the finest precision vs our bright images
        fine = theirs[min(args.precisions)][row]
        missed = sum(1 for yy, xx in zip(im.y[bright], im.x[bright], strict=True)
                     if len(fine) == 0 or np.min(np.hypot(fine[:, 0] - yy, fine[:, 1] - xx)) > MATCH)
        missed_total += missed
        all_found &= found_all
        print(f"| z {z:g} ({y:+.3f}, {x:+.3f}) | {len(im.y)} | {int(bright.sum())} | "
              + " | ".join(str(len(theirs[p][row])) for p in args.precisions)
              + f" | {'yes' if found_all else 'NO ' + '; '.join(detail)} | {missed} |")
    print(f"\nimages: ours {n_ours} ({n_ours_01} with |μ| ≥ 0.1) on {n_src} sources; PyAutoLens on "
          f"{len(picks_idx)}: " + ", ".join(f"{sum(len(a) for a in theirs[p])} at {p:g}" for p in args.precisions)
          + f"; ours found every PyAutoLens image within {MATCH:g}″: {'yes' if all_found else 'NO'}; "
          f"ours (|μ| ≥ 0.1) not found by PyAutoLens {min(args.precisions):g}: {missed_total}")


if __name__ == "__main__":
    main()
