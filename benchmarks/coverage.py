"""Posterior coverage of clusterfit's source-plane fit on the example cluster (issue 5, acceptance 1).

For each seed: simulate the example (``clusterfit.example_folder()``: 3 dPIEMass, a 30-member scaling
tier, 3 sources; 10 free parameters) with Gaussian position noise (0.05″ per axis), fit it with the
source-plane likelihood (Nautilus), and record whether each truth (the table value) lies inside the
central 68 % and 95 % credible intervals. Prints per parameter the fraction of seeds covered, and per
seed the best-fit image-plane rms against the rms of the injected noise (noisy − noise-free images).

    .venv/bin/python benchmarks/coverage.py                 # --seeds 6 --n-live 200 --n-networks 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import clusterfit
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig
from clusterfit.simulate import simulate
from clusterfit.simulate.point import PointNoise
from clusterfit.tables import load_model


def _positions(folder: Path) -> np.ndarray:
    model = load_model(folder)
    return np.concatenate([np.asarray(ds.positions, dtype=float) for ds in model.point_datasets])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--n-live", type=int, default=200)
    ap.add_argument("--n-eff", type=int, default=2000)
    ap.add_argument("--n-networks", type=int, default=1)
    args = ap.parse_args()

    example = clusterfit.example_folder()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    in68, in95, rows = [], [], []
    names = None
    with tempfile.TemporaryDirectory(prefix="clusterfit_coverage_") as tmp:
        tmp = Path(tmp)
        exact = simulate(example, tmp / "exact", seed=0, noise=PointNoise(add=False), overwrite=True)
        truth_pos = _positions(exact)
        for seed in seeds:
            data = simulate(example, tmp / f"data_{seed}", seed=seed, overwrite=True)
            noisy = _positions(data)
            injected = (float(np.sqrt(np.mean(np.sum((noisy - truth_pos) ** 2, axis=1))))
                        if noisy.shape == truth_pos.shape else float("nan"))
            t0 = time.perf_counter()
            res = fit(data, tmp / f"fit_{seed}", plots=False,
                      config=SearchConfig(n_live=args.n_live, n_eff=args.n_eff,
                                          n_networks=args.n_networks, seed=seed, progress=False))
            wall = time.perf_counter() - t0
            s = res.search
            names = s.names
            q = s.quantiles([0.025, 0.16, 0.84, 0.975])
            t = res.truths
            in68.append((q[1] <= t) & (t <= q[2]))
            in95.append((q[0] <= t) & (t <= q[3]))
            rows.append((seed, len(noisy), injected, res.evaluation.rms_arcsec, s.n_like, wall,
                         int(in68[-1].sum()), int(in95[-1].sum())))
            print(f"seed {seed}: rms {res.evaluation.rms_arcsec:.4f}″ (injected {injected:.4f}″), "
                  f"{s.n_like:,} evaluations, {wall:.1f} s, in 68 %: {in68[-1].sum()}/{len(t)}, "
                  f"in 95 %: {in95[-1].sum()}/{len(t)}", flush=True)

    in68, in95 = np.array(in68), np.array(in95)
    n = len(seeds)
    print(f"\nCoverage over {n} seeds ({seeds[0]}–{seeds[-1]}), n_live {args.n_live}, "
          f"n_eff {args.n_eff}, n_networks {args.n_networks}\n")
    print("| parameter | truth in 68 % interval | truth in 95 % interval |")
    print("|---|---:|---:|")
    for j, name in enumerate(names):
        print(f"| {name} | {in68[:, j].sum()}/{n} | {in95[:, j].sum()}/{n} |")
    k = in68.size
    print(f"| **all** | {in68.sum()}/{k} ({in68.mean():.0%}) | {in95.sum()}/{k} ({in95.mean():.0%}) |")
    print("\n| seed | images | injected noise rms [″] | best-fit image-plane rms [″] | evaluations | "
          "wall [s] |")
    print("|---:|---:|---:|---:|---:|---:|")
    for seed, n_im, inj, rms, n_like, wall, _, _ in rows:
        print(f"| {seed} | {n_im} | {inj:.4f} | {rms:.4f} | {n_like:,} | {wall:.1f} |")
    print(f"\nExpected rms of the injected noise: √2 × 0.05″ = {np.sqrt(2) * 0.05:.4f}″ "
          "(0.05″ per axis).")


if __name__ == "__main__":
    main()
