"""``clusterfit maps``: FITS maps of a fitted model on the sky (as the Hubble Frontier Fields products).

One FITS image per field of :mod:`.fields` (κ, γ1, γ2, |γ|, ψ, α_x, α_y, μ at the source redshift, and κ,
γ normalised to D_ls/D_s = 1), each with a TAN :mod:`astropy.wcs` header: North up, x West (RA increases
to the left), the folder's origin (``sky_reference.csv``; RA = DEC = 0 and a header comment without it)
at the centre pixel. Lenstool's own maps (``wrf_fits_abs``) carry a TAN WCS too, but their pixels are
computed at flat-formula offsets; here every pixel is computed at the folder offsets of its centre's
TAN sky position (:func:`pixel_offsets`), so a pixel and its RA/Dec agree in both projections. ``<field>.fits`` is the best fit (the results folder's table values); with draws
from ``samples.csv``, ``<field>_median.fits``, ``<field>_p16.fits`` and ``<field>_p84.fits`` are the
per-pixel median and 16/84 % over them. ``quicklook.png`` shows κ with the critical curves.

Memory is bounded: pixels go through the jitted kernel in chunks (:func:`.fields.evaluate_fields`) and
the draws of one block of pixels are reduced to quantiles before the next block.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model import ComposedModel
from ..output import Output, output_folder
from ..tables.sky import folder_offsets_of_tan, offset_wcs
from .fields import FieldEvaluator, evaluate_fields, field_evaluator

__all__ = ["MapGrid", "map_grid", "pixel_offsets", "read_samples", "posterior_draws", "compute_maps", "write_maps", "UNITS"]

UNITS = {"kappa": "", "gamma1": "", "gamma2": "", "gamma": "", "psi": "arcsec2", "alpha_x": "arcsec",
         "alpha_y": "arcsec", "magnification": "", "kappa_norm": "", "gamma1_norm": "", "gamma2_norm": "",
         "gamma_norm": ""}
_TITLES = {"kappa": "convergence", "gamma1": "shear component 1 (from +x = West)",
           "gamma2": "shear component 2", "gamma": "shear modulus", "psi": "lensing potential",
           "alpha_x": "deflection, x (West)", "alpha_y": "deflection, y (North)",
           "magnification": "signed magnification 1/det A"}
_BLOCK = 65536  # pixels reduced over all draws at once (draws × block × fields × 8 bytes)


@dataclass(frozen=True)
class MapGrid:
    """An odd ``n`` × ``n`` grid of pixel centres ``(i − n//2) · pixel`` arcsec on both axes; the
    centre pixel is the origin. ``data[j, i]`` is at y = ys[j] (North up), x = xs[i] (West right in
    the arrays, shown with RA increasing to the left by the WCS)."""

    n: int
    pixel: float

    @property
    def ticks(self) -> np.ndarray:
        return (np.arange(self.n) - self.n // 2) * self.pixel

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        return np.meshgrid(self.ticks, self.ticks, indexing="ij")


def map_grid(fov: float, pixel: float) -> MapGrid:
    """The :class:`MapGrid` covering ``fov`` arcsec with ``pixel`` arcsec pixels (odd size)."""
    if not (fov > 0 and pixel > 0):
        raise ValueError(f"--fov and --pixel must be > 0 arcsec, not {fov} and {pixel}")
    n = 2 * int(np.ceil(0.5 * fov / pixel - 0.5)) + 1
    if n > 20001:
        raise ValueError(f"{n}×{n} pixels is too many; use a larger --pixel or a smaller --fov")
    return MapGrid(n, float(pixel))


def pixel_offsets(composed: ComposedModel, grid: MapGrid) -> tuple[np.ndarray, np.ndarray]:
    """The folder offsets (y, x) of the pixel centres: the grid is in the TAN frame of the maps' WCS, so
    for a folder in another projection (``sky_reference.csv``, e.g. Lenstool's) each centre's RA/Dec is
    taken back to the folder's offsets (:func:`clusterfit.tables.sky.folder_offsets_of_tan`); identical to
    :meth:`MapGrid.mesh` for a TAN folder."""
    return folder_offsets_of_tan(composed.model.sky_reference, *grid.mesh())


def read_samples(results: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(weights, samples)`` of ``results/samples.csv`` (the free parameters in ``names`` order)."""
    path = Path(results) / "samples.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; --samples needs a results folder written by "
                                "`clusterfit fit`")
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    missing = [n for n in names if n not in header]
    if missing or "weight" not in header:
        raise ValueError(f"{path}: the columns {missing or ['weight']} are missing; the samples do not belong "
                         "to this folder's free parameters (was priors.csv edited after the fit?)")
    try:
        data = np.array([[float(c) for c in r] for r in rows[1:]])
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}; rewrite the file with `clusterfit fit`") from None
    cols = [header.index(n) for n in names]
    return data[:, header.index("weight")], data[:, cols]


def posterior_draws(weights: np.ndarray, samples: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """``n`` equally weighted draws (rows of ``samples`` drawn by ``weights``, seeded)."""
    w = np.clip(np.asarray(weights, float), 0.0, None)
    if not w.sum() > 0:
        raise ValueError("samples.csv has no sample of positive weight")
    rng = np.random.default_rng(seed)
    return samples[rng.choice(len(w), size=n, p=w / w.sum())]


def _evaluator_for(composed: ComposedModel, z: float) -> Callable[[np.ndarray], FieldEvaluator]:
    """The evaluator of a draw θ: a model with free source redshifts is composed again at θ (models with
    the same planes share one evaluator)."""
    by_planes: dict[tuple, ComposedModel] = {}

    def get(theta):
        c = composed.at(theta)
        return field_evaluator(by_planes.setdefault(c.layout.plane_redshifts, c), z)
    return get


def compute_maps(composed: ComposedModel, theta, grid: MapGrid, z: float, draws: np.ndarray | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, np.ndarray]:
    """``{name: (n, n) array}``: every field at θ, and with ``draws`` (shape (k, d)) also
    ``<field>_median``, ``<field>_p16``, ``<field>_p84``. Each pixel is evaluated at the folder offsets
    of its centre's sky position (:func:`.pixel_offsets`)."""
    yy, xx = pixel_offsets(composed, grid)
    get = _evaluator_for(composed, z)
    best = evaluate_fields(get(theta), theta, yy, xx)
    out = dict(best)
    if draws is None or not len(draws):
        return out
    names = list(best)
    flat_y, flat_x = yy.ravel(), xx.ravel()
    qs = {f"{n}_{q}": np.empty(flat_y.size) for n in names for q in ("median", "p16", "p84")}
    for start in range(0, flat_y.size, _BLOCK):
        sl = slice(start, min(start + _BLOCK, flat_y.size))
        stack = np.empty((len(draws), len(names), sl.stop - sl.start))
        for k, t in enumerate(draws):
            ev: FieldEvaluator = get(t)
            vals = evaluate_fields(ev, t, flat_y[sl], flat_x[sl])
            stack[k] = [vals[n] for n in names]
        p16, p50, p84 = np.percentile(stack, [16, 50, 84], axis=0)
        for j, n in enumerate(names):
            qs[f"{n}_median"][sl], qs[f"{n}_p16"][sl], qs[f"{n}_p84"][sl] = p50[j], p16[j], p84[j]
        if progress is not None:
            progress(f"{sl.stop:,} / {flat_y.size:,} pixels × {len(draws)} draws")
    out.update({k: v.reshape(grid.n, grid.n) for k, v in qs.items()})
    return out


def fits_header(composed: ComposedModel, grid: MapGrid, z: float, name: str, ratio: float | None):
    """The TAN WCS header of one map, with the source redshift, units and the normalisation."""
    reference = composed.model.sky_reference
    c = grid.n // 2 + 1.0
    header = offset_wcs(reference, grid.pixel, (c, c)).to_header()
    base = name.rsplit("_", 1)[0] if name.endswith(("_median", "_p16", "_p84")) else name
    norm = base.endswith("_norm")
    field = base.removesuffix("_norm")
    header["BUNIT"] = UNITS.get(base, "")
    header["QUANTITY"] = (base, _TITLES.get(field, field))
    header["ZSOURCE"] = (float(z), "source redshift of the map")
    if ratio is not None:
        header["DLS_DS"] = (float(ratio), "D_ls/D_s of the lens plane to ZSOURCE")
    if norm:
        header["COMMENT"] = "normalised to D_ls/D_s = 1 (divided by DLS_DS)"
    if name.endswith(("_median", "_p16", "_p84")):
        header["COMMENT"] = f"per-pixel {name.rsplit('_', 1)[1]} over posterior draws (samples.csv)"
    header["COMMENT"] = "pixel (CRPIX1, CRPIX2) is the model folder's origin y = x = 0"
    if reference is not None and reference.projection != "TAN":
        header["COMMENT"] = (f"the folder's offsets are in the {reference.projection} projection; each pixel "
                             "was computed at the folder offsets of its centre's RA/Dec in this WCS")
    if reference is None:
        header["COMMENT"] = ("the model folder has no sky_reference.csv: RA0 = DEC0 = 0 stand in for its "
                             "origin; only offsets from the reference pixel are meaningful")
    return header


def quicklook(maps: dict[str, np.ndarray], grid: MapGrid, z: float, path: Path, dpi: int = 110) -> None:
    """PNG: κ (log stretch) with the critical curves (det A = 0 of the map) over it."""
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    kappa = maps["kappa"]
    det = 1.0 / maps["magnification"]
    half = grid.ticks[-1] + 0.5 * grid.pixel
    ext = (-half, half, -half, half)
    fig = Figure(figsize=(7, 6), layout="constrained")
    ax = fig.subplots()
    pos = kappa[np.isfinite(kappa) & (kappa > 0)]
    norm = LogNorm(max(pos.min(), 1e-3), pos.max()) if pos.size else None
    im = ax.imshow(np.where(kappa > 0, kappa, np.nan), origin="lower", extent=ext, cmap="magma", norm=norm)
    ax.contour(grid.ticks, grid.ticks, det, levels=[0.0], colors="cyan", linewidths=0.8)
    fig.colorbar(im, ax=ax, label=f"κ (z_s = {z:g})")
    ax.set_xlabel("x [arcsec]  (West →)")
    ax.set_ylabel("y [arcsec]  (North ↑)")
    ax.set_title(f"convergence and critical curves, z_s = {z:g}")
    fig.savefig(path, dpi=dpi)


def write_maps(composed: ComposedModel, maps: dict[str, np.ndarray], grid: MapGrid, z: float,
               out: Output, ratio: float | None, extra: dict[str, bytes] | None = None) -> None:
    """Stage the FITS maps, the quick-look and ``extra`` files in ``out`` (the output policy,
    :mod:`clusterfit.output`: they reach the folder together when the command has finished)."""
    from astropy.io import fits

    for name, data in maps.items():
        hdu = fits.PrimaryHDU(np.asarray(data, dtype=np.float32 if name != "psi" else np.float64),
                              header=fits_header(composed, grid, z, name, ratio))
        hdu.writeto(out.path(f"{name}.fits"))
    quicklook(maps, grid, z, out.path("quicklook.png"))
    out.write_all(extra or {})


def make_maps(results: Path, output: Path, z: float, fov: float = 120.0, pixel: float = 0.1,
              samples: int = 0, seed: int = 1, progress: Callable[[str], None] | None = None,
              overwrite: bool = False, notes: list[str] | None = None) -> list[Path]:
    """``clusterfit maps``: load the results (or any model) folder, check everything, then compute and
    write the maps (best fit; with ``samples`` > 0 also the posterior quantiles over that many draws)."""
    from ..model import compose
    from ..tables import load_model
    from .regions import region_files

    if samples < 0:
        raise ValueError(f"--samples must be >= 0, not {samples}")
    grid = map_grid(fov, pixel)
    composed = compose(load_model(results))
    # the output folder is checked (a folder, writable, not the input, no files of ours without
    # --overwrite) before the long work; the files reach it together at the end of the block
    with output_folder(output, "maps", owned=["quicklook.png", "kappa.fits"], inputs=[results],
                       overwrite=overwrite) as out:
        theta = composed.vector_from_tables()
        draws = None
        if samples:
            weights, table = read_samples(Path(results), composed.names)
            draws = posterior_draws(weights, table, samples, seed)
        evaluator = field_evaluator(composed.at(theta), z)  # checks z before the long work
        maps = compute_maps(composed, theta, grid, z, draws, progress)
        extra = region_files(composed.at(theta), theta, maps, grid, z)
        write_maps(composed, maps, grid, z, out, evaluator.ratio, extra)
    if notes is not None:
        notes.extend(out.notes)
    return [Path(output) / name for name in out.written]
