"""Cross-check of the A2744 refit's posterior (issue 9): nested sampling of the source-plane posterior.

The refit (``refit_lenstool.py``) samples A2744's image-plane posterior by importance sampling around the MAP,
whose effective sample size is low (O7's σ–r_cut funnel, O1's σ at its prior bound). This script samples the
same model's *source-plane* posterior with nautilus over the whole prior (no Laplace approximation, no proposal),
and prints weighted means ± sd beside those of a refit's ``samples.csv``: where the two agree to a fraction of σ,
the refit's error bars are not an artefact of its weights. The two likelihoods differ (source- vs image-plane
χ²), so agreement is expected to ~0.5σ, not exactly.

    .venv/bin/python benchmarks/a2744_posterior_crosscheck.py --refit /tmp/refit/a2744_results_pool1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig
from clusterfit.interop.lenstool import import_lenstool
from clusterfit.tables import save_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refit_lenstool import CLUSTERS, DATA, _best_par, _zero_cores_lenstool_zeroed  # noqa: E402


def weighted_mean_sd(samples: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = weights / weights.sum()
    mean = w @ samples
    return mean, np.sqrt(w @ (samples - mean) ** 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refit", type=Path, default=None, help="a refit's results folder (with samples.csv)")
    ap.add_argument("--n-live", type=int, default=500)
    ap.add_argument("--n-eff", type=int, default=3000)
    ap.add_argument("--work", type=Path, default=None, help="keep the folders here (default: temporary)")
    args = ap.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    cluster = next(c for c in CLUSTERS if c.folder == "a2744")
    if not (DATA / cluster.folder).is_dir():
        console.print(f"no Lenstool data at {DATA / cluster.folder}")
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="a2744_crosscheck_"))
    folder = work / "a2744_input"
    save_model(import_lenstool(DATA / cluster.folder / cluster.par), folder)
    _zero_cores_lenstool_zeroed(folder, _best_par(cluster), console)
    t0 = time.perf_counter()
    result = fit(folder, work / "a2744_source_nautilus", likelihood="source", search="nautilus", overwrite=True,
                 config=SearchConfig(n_live=args.n_live, n_eff=args.n_eff, seed=1), console=console, plots=False)
    s = result.search
    console.print(f"nautilus, source-plane posterior: {s.n_like:,} evaluations, {time.perf_counter() - t0:,.0f} s, "
                  f"ESS {1 / np.sum(s.weights**2):,.0f}", highlight=False)
    mean, sd = weighted_mean_sd(s.samples, s.weights)
    (median,) = s.quantiles([0.5])
    theirs = None
    if args.refit is not None:
        import pandas as pd

        table = pd.read_csv(args.refit / "samples.csv")
        x, w = table[list(s.names)].to_numpy(), table["weight"].to_numpy()
        # the refit's draws as a search result, for its weighted quantiles
        (their_median,) = replace(s, samples=x, log_w=np.log(w / w.sum())).quantiles([0.5])
        theirs = (*weighted_mean_sd(x, w), their_median)
    t = Table(title="A2744: weighted mean ± sd (Δ: refit − nautilus in units of the larger sd)", title_justify="left")
    for col in ("parameter", "source plane, nautilus") + (("refit (image plane)", "Δ / σ", "Δ median / σ")
                                                           if theirs else ()):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    for i, name in enumerate(s.names):
        row = [name, f"{mean[i]:.4g} ± {sd[i]:.3g}"]
        if theirs:
            m2, s2 = theirs[0][i], theirs[1][i]
            scale = max(sd[i], s2, 1e-12)
            row += [f"{m2:.4g} ± {s2:.3g}", f"{(m2 - mean[i]) / scale:+.2f}", f"{(theirs[2][i] - median[i]) / scale:+.2f}"]
        t.add_row(*row)
    console.print(t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
