"""Refit published Lenstool models from their own inputs (issue 9): Abell 2744 and Abell S1063 (gold).

For each cluster the input ``.par`` in ``tests/data/lenstool/<folder>/`` is imported as it stands
(``clusterfit import-lenstool``: its ``limit`` blocks become ``priors.csv``, its potfiles scaling tiers,
its multiple images ``point_datasets.csv`` with σ = ``sigposArcsec``), then fitted by ``clusterfit fit
--likelihood image --search nuts`` (``--search laplace`` for the fast option): the maximum a posteriori from
several starts on the source-plane χ², polished on the image-plane χ² (each observed image's counterpart by
Newton iteration), then NUTS chains from there (split-R̂, bulk and tail ESS per parameter in the table) or
importance sampling around it. The results folder is evaluated again from disk
(``clusterfit evaluate``: full image solve, optimal source), and the main potentials are compared with
the authors' ``best.par``.

One deviation from a literal reading of the input is applied and printed: where ``best.par`` shows that
Lenstool ran a potfile's members with r_core = 0 while the input's ``corekpc`` says otherwise (A2744's two
``mag0 27`` group potfiles: ``corekpc 150`` and ``400`` in the ``.par``, 0 in every member Lenstool wrote
out), the tier's ``r_core_ref`` is set to 0 in ``scaling_relations.csv`` — as Lenstool's run did; with the
literal 150/400 kpc cores no model in the prior reaches χ² below ≈ 190 (rms ≈ 0.8″).

    .venv/bin/python benchmarks/refit_lenstool.py                 # both clusters, --pool 1, NUTS
    .venv/bin/python benchmarks/refit_lenstool.py --search laplace --only as1063_gold
    .venv/bin/python benchmarks/refit_lenstool.py --pool 1 2      # and the speed-up from 1 to 2 processes
    .venv/bin/python benchmarks/refit_lenstool.py --only a2744 --free-redshifts 20 --search auto
    .venv/bin/python benchmarks/refit_lenstool.py --only a2744 --seed 2        # another seed: the spread

``--free-redshifts N`` stands in for published models with fitted source redshifts (issue 20, acceptance 4):
a copy of the input ``.par`` gains a ``z_m_limit`` line for each of the catalogue's last N systems —
Uniform(max(min(0.9, z − 0.1), z − 0.5), z + 0.5), Lenstool's flag 1, which starts at the midpoint — and is
imported as it stands; ``--search auto`` then fits it as ``clusterfit fit FOLDER`` with no flags would.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from clusterfit.fit.evaluate import evaluate_model
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig
from clusterfit.interop.lenstool import import_lenstool
from clusterfit.interop.lenstool.catalogue import read_catalogue
from clusterfit.interop.lenstool.images import system_id
from clusterfit.interop.lenstool.par import parse_par
from clusterfit.tables import load_model, save_model

HERE = Path(__file__).resolve().parent
DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "lenstool"


@dataclass(frozen=True)
class Cluster:
    folder: str
    par: str
    published_rms: float
    n_images: int
    target_rms: float


CLUSTERS = (
    Cluster("as1063_gold", "SMACS2248_HFF_NE.par", 0.494, 50, 0.52),
    Cluster("a2744", "A2744_SLspec.par", 0.672, 83, 0.70),
)
# published run times, for scale (issue 9): PyAutoLens's own A2744 benchmark on an A100 GPU
PYAUTOLENS_A2744_MIN = 442.0


def _with_free_redshifts(cluster: Cluster, n: int, work: Path) -> Path:
    """A copy of the cluster's input folder whose ``.par`` frees the redshifts of the catalogue's last ``n``
    systems (``z_m_limit k NAME 1 lo hi 0.1``, Uniform(max(min(0.9, z − 0.1), z − 0.5), z + 0.5): the
    catalogue z inside, the lower bound at most 0.9 and behind the cluster); its path."""
    folder = work / f"{cluster.folder}_zfree{n}_par"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(DATA / cluster.folder, folder)
    par = folder / cluster.par
    catalogue = parse_par(par).blocks_named("image")[0].get("multfile").args[1]
    z_of = {}
    for row in read_catalogue(folder / catalogue, 6, "multiple images").rows:
        z_of.setdefault(system_id(row.id), row.values[5])
    if n > len(z_of):
        raise SystemExit(f"--free-redshifts {n}: the catalogue has {len(z_of)} systems")
    lines = [f"\tz_m_limit {k} {name} 1 {max(min(0.9, z - 0.1), z - 0.5):.4f} {z + 0.5:.4f} 0.1\n"
             for k, (name, z) in enumerate(list(z_of.items())[-n:], start=1)] if n else []
    text = par.read_text().splitlines(keepends=True)
    at = next(i for i, t in enumerate(text) if t.split()[:1] == ["image"]) + 1
    par.write_text("".join(text[:at] + lines + text[at:]))
    return par


def _best_par(cluster: Cluster):
    return import_lenstool(DATA / cluster.folder / "best.par", images=DATA / cluster.folder / cluster.par)


def _zero_cores_lenstool_zeroed(folder: Path, best, console: Console) -> list[str]:
    """Tiers whose members best.par writes with r_core = 0 (while ours are not): set r_core_ref = 0."""
    path = folder / "scaling_relations.csv"
    rows = list(csv.DictReader(path.open()))
    members = list(csv.DictReader((folder / "scaling_galaxies.csv").open()))
    written = {r.galaxy: r.values for r in best.mass}
    changed = []
    for row in rows:
        ids = [m["id"] for m in members  # without a tier column every member is in the one tier
               if (m.get("tier") or (rows[0]["tier"] if len(rows) == 1 else None)) == row["tier"]
               and m["id"] in written]
        if ids and float(row["r_core_ref"]) > 0 and all(written[i]["r_core"] == 0 for i in ids):
            changed.append(f"{row['tier']} (r_core_ref {float(row['r_core_ref']):.4g}″ → 0; "
                           f"{len(ids)} members at r_core = 0 in best.par)")
            row["r_core_ref"] = "0.0"
    if changed:
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        for c in changed:
            console.print(f"  as Lenstool ran it: {c}", highlight=False)
    return changed


def _id(value) -> str:
    """A catalogue id as Lenstool writes it in best.par (13475, not the 13475.0 a CSV column reads as)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _best_par_values(cluster: Cluster, folder: Path, best, names) -> dict[str, float]:
    """best.par's value of each of our free parameters (main potentials by order, tiers via a member)."""
    ours = load_model(folder)
    optimised = [r.galaxy for r in ours.mass]
    theirs = [r.galaxy for r in best.mass][: len(optimised)]
    rename = dict(zip(optimised, theirs, strict=True))
    written = {r.galaxy: r.values for r in best.mass}
    relations = {r.tier: r for r in ours.scaling_relations}
    out = {}
    for name in names:
        galaxy, attr, param = name.split(".")
        if attr in ("mass", "shear") and galaxy in rename:
            out[name] = written[rename[galaxy]].get(param, np.nan)
        elif attr == "scaling":
            member = next((g for g in ours.tier_members(galaxy) if _id(g.extra.get("id")) in written), None)
            if member is None:
                out[name] = np.nan
                continue
            rel = relations[galaxy]
            ratio = member.luminosity / rel.luminosity_ref
            base = param.removesuffix("_ref")
            out[name] = written[_id(member.extra["id"])][base] / ratio ** rel.values[f"{base}_exponent"]
    return out


def refit(cluster: Cluster, pool: int, n_samples: int, work: Path, console: Console,
          search: str = "nuts", free_redshifts: int = 0, seed: int = 1) -> dict:
    tag = f"{cluster.folder}_zfree{free_redshifts}" if free_redshifts else cluster.folder
    folder = work / f"{tag}_input"
    if folder.exists():
        shutil.rmtree(folder)
    par = (_with_free_redshifts(cluster, free_redshifts, work) if free_redshifts
           else DATA / cluster.folder / cluster.par)
    model = import_lenstool(par)
    save_model(model, folder)
    best = _best_par(cluster)
    changed = _zero_cores_lenstool_zeroed(folder, best, console)
    results = work / f"{tag}_results_pool{pool}"
    if results.exists():
        shutil.rmtree(results)
    t0 = time.perf_counter()
    result = fit(folder, results, likelihood="auto" if search == "auto" else "image", search=search,
                 config=SearchConfig(pool=pool, n_samples=n_samples, seed=seed), console=console)
    wall = time.perf_counter() - t0
    again = evaluate_model(load_model(results))  # acceptance 5: from disk
    report = (results / "report.txt").read_text()
    compile_s = float(report.split("compile: ")[1].split(" s")[0]) if "compile: " in report else np.nan
    # high-water marks (Linux: KiB): this process since it started, and the largest finished worker
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if pool > 1 else 0.0
    q16, q50, q84 = result.search.quantiles([0.16, 0.5, 0.84])
    return dict(cluster=cluster, pool=pool, wall=wall, search=result.search, rms=result.evaluation.rms_arcsec,
                rms_again=again.rms_arcsec, missing=again.n_missing, n_images=again.n_images,
                compile_s=compile_s, peak_mib=peak, peak_worker_mib=peak_worker, q=(q16, q50, q84), names=result.search.names,
                best_par=_best_par_values(cluster, folder, best, result.search.names), changed=changed,
                results=results, likelihood=result.likelihood, search_method=result.search_method)


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0")
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--search", choices=("nuts", "laplace", "auto"), default="nuts",
                    help="posterior stage (nuts: R̂ and ESS per parameter in report.txt; auto: likelihood and "
                         "search as `clusterfit fit` with no flags chooses them)")
    ap.add_argument("--free-redshifts", type=_non_negative, default=0, metavar="N",
                    help="free the source redshifts of the catalogue's last N systems (module docstring)")
    ap.add_argument("--pool", type=int, nargs="+", default=[1], help="process counts to run (e.g. 1 2)")
    ap.add_argument("--n-samples", type=int, default=8000, help="importance samples per refit")
    ap.add_argument("--only", choices=[c.folder for c in CLUSTERS], default=None)
    ap.add_argument("--work", type=Path, default=None, help="keep the folders here (default: temporary)")
    ap.add_argument("--seed", type=_non_negative, default=1,
                    help="the fit's seed (`clusterfit fit --seed`; another seed shows the run-to-run spread)")
    args = ap.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)  # a log file gets the whole table
    if not DATA.is_dir():
        console.print(f"no Lenstool data at {DATA}")
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="refit_lenstool_"))
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    for cluster in CLUSTERS:
        if args.only and cluster.folder != args.only:
            continue
        for pool in args.pool:
            console.rule(f"{cluster.folder} ({cluster.par}), --pool {pool}")
            runs.append(refit(cluster, pool, args.n_samples, work, console, args.search, args.free_redshifts,
                              args.seed))

    table = Table(title=f"Lenstool refits on this machine ({runs[0]['likelihood'] if runs else ''}-plane χ², "
                        f"{runs[0]['search_method'] if runs else args.search} search)", title_justify="left")
    for col in ("cluster", "pool", "images", "rms [″]", "evaluate again", "target", "Lenstool best.par",
                "wall [s]", "evaluations", "eval/s", "compile [s]", "ESS", "tail ESS", "max R̂", "peak memory [MiB]",
                "per worker [MiB]"):
        table.add_column(col, justify="left" if col == "cluster" else "right")
    for r in runs:
        s = r["search"]
        table.add_row(r["cluster"].folder, str(r["pool"]), str(r["n_images"]), f"{r['rms']:.3f}",
                      f"{r['rms_again']:.3f}", f"≤ {r['cluster'].target_rms}", f"{r['cluster'].published_rms}",
                      f"{r['wall']:.0f}", f"{s.n_like:,}", f"{s.n_like / s.wall_s:,.0f}", f"{r['compile_s']:.1f}",
                      f"{s.ess:,.0f}" if s.ess else "-",
                      f"{s.diagnostics.ess_tail.min():,.0f}" if s.diagnostics is not None else "-",
                      f"{s.diagnostics.r_hat.max():.4f}" if s.diagnostics is not None else "-", f"{r['peak_mib']:,.0f}",
                      f"{r['peak_worker_mib']:,.0f}" if r["peak_worker_mib"] else "-")
    console.print(table)
    by = {(r["cluster"].folder, r["pool"]): r for r in runs}
    for c in CLUSTERS:
        if (c.folder, 1) in by and (c.folder, 2) in by:
            console.print(f"{c.folder}: --pool 1 → 2 speed-up {by[c.folder, 1]['wall'] / by[c.folder, 2]['wall']:.2f}× "
                          "(end to end)", highlight=False)
    console.print(f"For scale: PyAutoLens's published A2744 run took {PYAUTOLENS_A2744_MIN:.0f} min on an A100 GPU; "
                  "Lenstool runs of these models take hours to days.", highlight=False)
    for r in runs:
        if r["pool"] != args.pool[0]:
            continue
        t = Table(title=f"{r['cluster'].folder}: ours (median ± 1σ) vs best.par", title_justify="left")
        for col in ("parameter", "ours", "−1σ", "+1σ", "best.par", "pull"):
            t.add_column(col, justify="left" if col == "parameter" else "right")
        q16, q50, q84 = r["q"]
        for i, name in enumerate(r["names"]):
            theirs = r["best_par"].get(name, np.nan)
            half = max((q84[i] - q16[i]) / 2, 1e-12)
            t.add_row(name, f"{q50[i]:.4g}", f"{q50[i] - q16[i]:.3g}", f"{q84[i] - q50[i]:.3g}", f"{theirs:.4g}",
                      f"{(q50[i] - theirs) / half:+.1f}")
        console.print(t)
    console.print(f"folders: {work}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
