"""The example cluster at a larger scale, as a model folder: N members and enough sources for ≥ M images.

Used by ``fit_vs_autolens.py --members N`` (issue 20). From ``clusterfit.example_folder()`` (halo + 2
dPIEMass galaxies, one dPIEMassSph scaling tier, 10 free parameters in ``priors.csv``), every table is
copied verbatim except

* ``scaling_galaxies.csv``: N members in the example's schema (``y,x,luminosity,redshift,mag,id``),
  positions uniform in the example's ±60″ field, magnitudes drawn from a Schechter luminosity function
  (m* = 18.5, α = −1.1, as for a cluster red sequence at z = 0.3) truncated to the example's 18–22.5,
  luminosity = 10^(0.4 (18 − mag)) as in the example (L_ref = 1 at mag 18);
* ``point.csv``: sources on the example's three planes (z = 1.5, 2, 3, in turn), each drawn in the
  caustic region and kept when it has ≥ 3 images of which all have |μ| ≥ 0.1 (no demagnified
  core images: PyAutoLens's ``magnification_threshold`` 0.1 would drop them), until the images number
  ≥ M; the example's three sources first, when they pass, then those with the most images (fewer
  sources: fewer PyAutoLens analyses, which favours PyAutoLens's compile time).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

import clusterfit
from clusterfit.model import compose
from clusterfit.physics.solver import make_image_solver

Z_SOURCES = (1.5, 2.0, 3.0)
M_STAR, ALPHA, MAG_RANGE = 18.5, -1.1, (18.0, 22.5)
MU_MIN = 0.1


def schechter_mags(n: int, rng: np.random.Generator) -> np.ndarray:
    """n apparent magnitudes from dN/dm ∝ 10^(−0.4 (α+1)(m−m*)) exp(−10^(−0.4 (m−m*))) on MAG_RANGE."""
    m = np.linspace(*MAG_RANGE, 4001)
    u = 10 ** (-0.4 * (m - M_STAR))
    pdf = u ** (ALPHA + 1) * np.exp(-u)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(m))])
    return np.interp(rng.uniform(0.0, cdf[-1], n), cdf, m)


def _write_members(path: Path, n: int, rng: np.random.Generator, z: float) -> None:
    ys, xs = rng.uniform(-60, 60, n), rng.uniform(-60, 60, n)
    mags = schechter_mags(n, rng)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["y", "x", "luminosity", "redshift", "mag", "id"])
        for i, (y, x, m) in enumerate(zip(ys, xs, mags, strict=True)):
            w.writerow([f"{y:.3f}", f"{x:.3f}", repr(float(10 ** (0.4 * (18.0 - round(m, 2))))), z,
                        f"{m:.2f}", i + 1])


def _write_points(folder: Path, rows: list[tuple[str, float, float, float]]) -> None:
    """point.csv; light.csv keeps the lenses' rows and those of the sources still there."""
    with (folder / "point.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["galaxy", "attr_name", "profile_class", "y", "x", "redshift"])
        for k, (name, y, x, z) in enumerate(rows):
            w.writerow([name, f"point_{k}", "Point", repr(y), repr(x), z])
    names = {r[0] for r in rows}
    with (folder / "light.csv").open(newline="") as f:
        light = list(csv.reader(f))
    with (folder / "light.csv").open("w", newline="") as f:
        csv.writer(f).writerows([r for r in light if not r[0].startswith("source_") or r[0] in names])


def cluster_folder(dest: Path, n_members: int, min_images: int = 30, seed: int = 3) -> tuple[Path, str]:
    """Write the model folder ``dest``; return it and a one-line description of its images."""
    src = clusterfit.example_folder()
    dest.mkdir(parents=True, exist_ok=False)
    for p in Path(src).glob("*.csv"):
        shutil.copyfile(p, dest / p.name)
    rng = np.random.default_rng(seed)
    base = clusterfit.load_model(src)
    _write_members(dest / "scaling_galaxies.csv", n_members, rng, base.scaling_galaxies[0].redshift)

    composed = compose(clusterfit.load_model(dest))
    params = composed.group_params(composed.vector_from_tables())
    solver = make_image_solver(composed.tracer)
    planes = {z: composed.tracer.layout.plane_index(z) for z in Z_SOURCES}

    def good(images) -> bool:
        return len(images.y) >= 3 and bool(np.all(np.abs(images.magnification) >= MU_MIN))

    kept: list[tuple[str, float, float, float, int]] = []
    for row in base.point:  # the example's own sources first
        y, x = float(row.values["y"]), float(row.values["x"])
        z = float(row.redshift)
        im = solver.solve(params, np.array([y]), np.array([x]), planes[z])[0]
        if good(im):
            kept.append((row.galaxy, y, x, z, len(im.y)))
    candidates = {z: [] for z in Z_SOURCES}
    for z in Z_SOURCES:  # 64 draws per plane in the caustic region, solved in one call per plane
        sy, sx = rng.uniform(-4, 6, 64), rng.uniform(-8, 4, 64)
        for y, x, im in zip(sy, sx, solver.solve(params, sy, sx, planes[z]), strict=True):
            if good(im):
                candidates[z].append((float(y), float(x), z, len(im.y)))
    for c in candidates.values():  # most images first: fewer sources, fewer PyAutoLens analyses
        c.sort(key=lambda t: -t[3])
    n_new = len(base.point)
    k = 0
    while sum(n for *_, n in kept) < min_images:
        z = Z_SOURCES[k % len(Z_SOURCES)]
        k += 1
        if candidates[z]:
            kept.append((f"source_{n_new}", *candidates[z].pop(0)))
            n_new += 1
        elif not any(candidates.values()):
            raise RuntimeError(f"only {sum(n for *_, n in kept)} images from multiply imaged sources")
    _write_points(dest, [(name, y, x, z) for name, y, x, z, _ in kept])
    n_img = sum(n for *_, n in kept)
    per = ", ".join(f"z {z:g}: {sum(1 for *_, zz, _n in kept if zz == z)}" for z in Z_SOURCES)
    return dest, f"{n_members} members, {len(kept)} sources ({per}), {n_img} images, all |μ| ≥ {MU_MIN}"
