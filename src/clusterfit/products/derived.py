"""Derived quantities of a model, with posterior ranges: Einstein radii, aperture masses, M(<R), the
magnification and parity of every predicted image.

* **Effective Einstein radius** of a source plane: θ_E = √(A/π), A the area inside the tangential
  critical curves, i.e. where the tangential eigenvalue λ_t = 1 − κ − |γ| of the Jacobian is negative
  (:func:`einstein_radii`; NaN when that region reaches the edge of the grid).
* **Projected mass** M(<R) of the main lens plane (the plane with the most profiles) within R of a
  centre: Σ_cr ∫κ dA with κ and Σ_cr = c²/(4πG D_l) for D_ls/D_s = 1, the disc integral taken by
  Gauss's theorem as (R/2)∮ α_r dφ (∇·α = 2κ) on 2048 points of the circle — exact for the κ map's
  integral, without the pixelisation error of summing a cored profile on a grid.
* **Magnification and parity** of each predicted image at its best-fit position, for θ and every draw.

Posterior ranges are the median and 16/84 % over equally weighted draws of ``samples.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..compiled import compiled
from ..model import ComposedModel
from ..physics.functions import profile_function
from .fields import cosmology_of, evaluate_fields, field_evaluator, unit_weights

__all__ = ["Quantity", "compile_kernels", "folder_derived", "einstein_radius", "aperture_mass", "aperture_masses", "derived_quantities", "main_lens_plane",
           "DEFAULT_APERTURES_KPC", "plot_mass_profile",
           "image_magnifications"]

DEFAULT_APERTURES_KPC = (100.0, 200.0, 500.0)
_CIRCLE = 2048
_PROFILE_CIRCLE = 128
"""Deflections per circle of the M(<R) figure: on AS1063's profile (5 kpc–1 Mpc) within 2e-5 of 4,096
points, far inside the 16–84 % band; the quoted aperture masses use ``_CIRCLE``."""
_PROFILE_RADII = 24  # radii of the M(<R) figure: smooth on its log axes
DRAW_GRID = 301
"""Grid size of the Einstein radii of posterior draws (the best fit's is 601²): the λ_t = 0 contour is
interpolated linearly, so at 301² θ_E stays exact to far inside any posterior width (an SIS: 3.3e-5″ off
at θ_E = 3″, 1.9e-5″ at 10″, against 1.2e-5″ and 4.7e-6″ at 601²; tests/products/test_derived.py) at a
quarter of the cost."""


@dataclass(frozen=True)
class Quantity:
    """One derived quantity: value at θ (best fit), posterior median and 16/84 % (NaN without draws)."""

    name: str
    unit: str
    best: float
    median: float = float("nan")
    lower_16: float = float("nan")
    upper_84: float = float("nan")

    def to_json(self) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in self.__dict__.items()}


def _cosmology(composed: ComposedModel):
    """The model's :class:`~clusterfit.physics.cosmology.Cosmology`, one object per model: each new one
    builds its astropy cosmology again (~0.1 s), and the draws ask for it hundreds of times."""
    return compiled(composed, "cosmology", lambda: cosmology_of(composed))


def _union(a: np.ndarray, b) -> np.ndarray:
    """(x0, x1, y0, y1) bounds covering both ``a`` and ``b`` (NaN bounds, i.e. none, are ignored)."""
    return np.array([np.fmin(a[0], b[0]), np.fmax(a[1], b[1]), np.fmin(a[2], b[2]), np.fmax(a[3], b[3])])


def _areas(polygons, box: tuple[float, float, float, float]) -> tuple[float, float, np.ndarray]:
    """(area inside the box, area of polygons that touch its edge, (x0, x1, y0, y1) bounds of the
    polygons inside; NaN without any) of contourpy ``ChunkCombinedOffsetOffset`` filled polygons in one
    chunk (outer rings anticlockwise, holes clockwise: a polygon's signed sum over its rings is its net
    area), all polygons at once."""
    (pts,), (offsets,), (outer,) = polygons
    if pts is None:
        return 0.0, 0.0, np.full(4, np.nan)
    x0, x1, y0, y1 = box
    tol = 1e-9 * max(x1 - x0, y1 - y0)
    x, y = pts[:, 0], pts[:, 1]
    following = np.arange(1, len(pts) + 1)  # each point's successor on its ring, the last wrapping round
    following[offsets[1:] - 1] = offsets[:-1]
    rings = 0.5 * np.add.reduceat(x * y[following] - y * x[following], offsets[:-1])  # shoelace per ring
    area = np.abs(np.add.reduceat(rings, outer[:-1]))
    first = offsets[outer[:-1]]  # each polygon's first point
    lo_x, hi_x = np.minimum.reduceat(x, first), np.maximum.reduceat(x, first)
    lo_y, hi_y = np.minimum.reduceat(y, first), np.maximum.reduceat(y, first)
    touches = (lo_x < x0 + tol) | (hi_x > x1 - tol) | (lo_y < y0 + tol) | (hi_y > y1 - tol)
    inside = ~touches
    bounds = (np.array([lo_x[inside].min(), hi_x[inside].max(), lo_y[inside].min(), hi_y[inside].max()])
              if inside.any() else np.full(4, np.nan))
    return float(area[inside].sum()), float(area[touches].sum()), bounds


def einstein_radii(composed: ComposedModel, theta, redshifts: Sequence[float], *, extent=None,
                   n: int = 601) -> list[float]:
    """Effective Einstein radius (arcsec) for each source redshift (module docstring): the area where
    λ_t = 1 − κ − |γ| < 0 on an ``n`` × ``n`` grid over ``extent`` (half-width or (x0, x1, y0, y1);
    default :func:`clusterfit.fit.plots.default_extent`), bounded by the λ_t = 0 contour interpolated
    linearly between pixels. Regions cut by the grid's edge are left out when they are small (a
    member's curve, < 1 % of the area), else the radius is NaN (enlarge ``extent``).
    With one lens plane one grid serves every redshift (κ, γ scale with D_ls/D_s)."""
    from ..fit.plots import _as_extent

    x0, x1, y0, y1 = _as_extent(extent, composed)
    return _einstein_radii(composed, theta, redshifts, np.linspace(x0, x1, n), np.linspace(y0, y1, n))[0]


def _einstein_radii(composed: ComposedModel, theta, redshifts: Sequence[float], xs: np.ndarray,
                    ys: np.ndarray) -> tuple[list[float], np.ndarray, bool]:
    """:func:`einstein_radii` on the grid ``ys × xs``, the (x0, x1, y0, y1) bounds of every region
    counted (NaN where there is none), and whether any region reaches the grid's edge."""
    import contourpy
    from contourpy import FillType

    box = (xs[0], xs[-1], ys[0], ys[-1])
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    out = []
    bounds = np.full(4, np.nan)
    touched = False
    if len(composed.layout.lens_planes) == 1:
        # one lens plane: λ_t < 0 ⇔ κ₁ + |γ₁| > D_s/D_ls (κ₁, γ₁ at D_ls/D_s = 1), so one grid and one contour
        # generator serve every redshift, each a level of it (astropy's D_ls/D_s of all redshifts at once)
        f = evaluate_fields(field_evaluator(composed, max(redshifts), ("kappa_norm", "gamma_norm")), theta, yy, xx)
        unit = f["kappa_norm"] + f["gamma_norm"]
        unit = np.where(np.isfinite(unit), unit, 1e300)  # singular centres are inside
        generator = contourpy.contour_generator(xs, ys, unit, fill_type=FillType.ChunkCombinedOffsetOffset)
        regions = [generator.filled(1.0 / r, np.inf) if r > 0 else ([None], [None], [None])
                   for r in _unit_ratios(composed, redshifts)]
    else:
        regions = []
        for z in redshifts:
            f = evaluate_fields(field_evaluator(composed, z, ("kappa", "gamma")), theta, yy, xx)
            lam = 1.0 - f["kappa"] - f["gamma"]
            lam = np.where(np.isfinite(lam), lam, -1.0)  # singular centres are inside
            regions.append(contourpy.contour_generator(xs, ys, lam, fill_type=FillType.ChunkCombinedOffsetOffset)
                           .filled(-np.inf, 0.0))
    for polys in regions:
        inner, edge, b = _areas(polys, box)
        touched = touched or edge > 0
        bounds = _union(bounds, b)
        # a member's small curve cut by the edge is left out; a large cut region makes θ_E unknown
        out.append(float(np.sqrt(inner / np.pi)) if edge <= 0.01 * inner else float("nan"))
    return out, bounds, touched


def _unit_ratios(composed: ComposedModel, redshifts: Sequence[float]) -> np.ndarray:
    """D_ls/D_s of the one lens plane to each redshift, computed once per model and redshifts."""
    def ratios():
        z_l = composed.layout.plane_redshifts[composed.layout.lens_planes[0]]
        return _cosmology(composed).distance_ratio_matrix([z_l, *redshifts])[0, 1:]

    return compiled(composed, ("unit_ratios", tuple(float(z) for z in redshifts)), ratios)


def _draw_grid(xs: np.ndarray, ys: np.ndarray, bounds: np.ndarray, n: int = DRAW_GRID) -> tuple[np.ndarray, np.ndarray]:
    """A grid with the spacing of an ``n``² grid over the extent (``xs``, ``ys``), over the regions
    ``bounds`` grown by 25 % + 4 pixels on each side (at most the extent)."""
    step = max(xs[-1] - xs[0], ys[-1] - ys[0]) / (n - 1)
    if not np.isfinite(bounds).all():
        return np.linspace(xs[0], xs[-1], n), np.linspace(ys[0], ys[-1], n)
    out = []
    for lo, hi, full in ((bounds[0], bounds[1], xs), (bounds[2], bounds[3], ys)):
        grow = 0.25 * (hi - lo) + 4 * step
        lo, hi = max(lo - grow, full[0]), min(hi + grow, full[-1])
        out.append(np.linspace(lo, hi, max(2, int(np.ceil((hi - lo) / step)) + 1)))
    return out[0], out[1]


def einstein_radius(composed: ComposedModel, theta, plane: int, **kw) -> float:
    """Effective Einstein radius (arcsec) of source plane ``plane`` (see :func:`einstein_radii`)."""
    return einstein_radii(composed, theta, [composed.layout.plane_redshifts[plane]], **kw)[0]


def main_lens_plane(composed: ComposedModel) -> int:
    """The lens plane holding the most profiles (the cluster's)."""
    counts: dict[int, int] = {}
    for k, group in enumerate(composed.groups):
        p = composed.layout.group_plane(k)
        counts[p] = counts.get(p, 0) + len(np.atleast_1d(next(iter(group.base.values()))))
    return max(counts, key=counts.get)


def _posterior_einstein_radii(composed: ComposedModel, thetas, zs, extent) -> np.ndarray:
    """Einstein radii (k, len(zs)) of ``thetas``: the first (the best fit) at the spacing of a 601²
    grid over ``extent``, the draws at that of a ``DRAW_GRID``² grid, each on the box around the best
    fit's regions found on the ``DRAW_GRID``² grid (:func:`_draw_grid`; a fifth of the points for
    AS1063). Each region inside the box is counted as on the whole extent; a θ with a region reaching
    the box's edge is done again on the whole extent (a region wholly outside the box, which the best
    fit does not have, is not counted)."""
    from ..fit.plots import _as_extent

    x0, x1, y0, y1 = _as_extent(extent, composed)
    full = (np.linspace(x0, x1, DRAW_GRID), np.linspace(y0, y1, DRAW_GRID))
    _, bounds, _ = _einstein_radii(composed.at(thetas[0]), thetas[0], zs, *full)
    out = []
    for k, t in enumerate(thetas):
        n = 601 if k == 0 else DRAW_GRID
        bx, by = _draw_grid(*full, bounds, n)
        radii, _, touched = _einstein_radii(composed.at(t), t, zs, bx, by)
        if touched and (bx[0] > x0 or bx[-1] < x1 or by[0] > y0 or by[-1] < y1):
            radii = _einstein_radii(composed.at(t), t, zs, np.linspace(x0, x1, n), np.linspace(y0, y1, n))[0]
        out.append(radii)
    return np.array(out)


def _unit_deflection(composed: ComposedModel, plane: int):
    """Jitted (thetas (k, d), y, x) -> (α_y, α_x), each (k, n), for D_ls/D_s = 1 of the groups on lens
    plane ``plane``: every θ in one call (built once per model: :mod:`clusterfit.compiled`)."""
    return compiled(composed, ("unit_deflection", plane), lambda: _build_unit_deflection(composed, plane))


def _build_unit_deflection(composed: ComposedModel, plane: int):

    layout = composed.layout
    groups = [k for k in range(len(layout.groups)) if layout.group_plane(k) == plane]
    fns = {k: profile_function(layout.groups[k].profile_class, "deflections_yx") for k in groups}
    w = unit_weights(composed)

    def alpha(theta, y, x):
        params = composed.group_params(theta)
        ay = ax = jnp.zeros_like(y)
        for k in groups:
            a = fns[k](params[k], y, x)
            ay, ax = ay + w[k] * a.y, ax + w[k] * a.x
        return ay, ax

    return jax.jit(jax.vmap(alpha, in_axes=(0, None, None)))


def _circles(radii: np.ndarray, centre: tuple[float, float], n_circle: int):
    """(φ, y, x): ``n_circle`` angles, and the points at them on each circle (flattened, radius-major)."""
    phi = 2 * np.pi * np.arange(n_circle) / n_circle
    y = (centre[0] + radii[:, None] * np.sin(phi)).ravel()
    x = (centre[1] + radii[:, None] * np.cos(phi)).ravel()
    return phi, y, x


def aperture_masses(composed: ComposedModel, thetas, radii_arcsec: Sequence[float],
                    centre: tuple[float, float] = (0.0, 0.0), plane: int | None = None,
                    n_circle: int = _CIRCLE) -> np.ndarray:
    """Projected mass (M☉), shape (k, len(radii)), of lens plane ``plane`` (default
    :func:`main_lens_plane`) within each radius (arcsec) around ``centre`` (y, x in arcsec) for each of
    the k parameter vectors ``thetas`` (one jitted call), from ``n_circle`` deflections on each circle."""
    from ..physics.cosmology import critical_surface_density

    plane = main_lens_plane(composed) if plane is None else plane
    thetas = np.atleast_2d(np.asarray(thetas, float))
    radii = np.atleast_1d(np.asarray(radii_arcsec, float))
    phi, y, x = _circles(radii, centre, n_circle)
    ay, ax = (np.asarray(v).reshape(len(thetas), len(radii), n_circle)
              for v in _unit_deflection(composed, plane)(thetas, y, x))
    alpha_r = ay * np.sin(phi) + ax * np.cos(phi)
    kappa_area = 0.5 * radii * alpha_r.mean(-1) * 2 * np.pi  # ∫κ dA in arcsec²
    z_l = composed.layout.plane_redshifts[plane]
    return kappa_area * critical_surface_density(_cosmology(composed), z_l, None, unit="arcsec2")


def aperture_mass(composed: ComposedModel, theta, radii_arcsec: Sequence[float],
                  centre: tuple[float, float] = (0.0, 0.0), plane: int | None = None,
                  n_circle: int = _CIRCLE) -> np.ndarray:
    """:func:`aperture_masses` of one θ: shape (len(radii),)."""
    return aperture_masses(composed, np.asarray(theta, float)[None], radii_arcsec, centre, plane, n_circle)[0]


_IMAGE_BUCKET = 64
""":func:`image_magnifications` pads its points to a multiple of this: one compilation serves any number of
predicted images up to it (a fit's best fit and its posterior draws alike)."""


def image_magnifications(composed: ComposedModel, thetas: np.ndarray, y, x, plane) -> np.ndarray:
    """Signed magnifications 1/det A, shape (k, n), of the n image-plane points ``(y, x)`` (arcsec),
    each traced to its own source plane ``plane[i]``, for each of the k parameter vectors ``thetas``:
    one jitted call for all of them (the kernel is the model's, :mod:`clusterfit.compiled`; it
    compiles once per k and bucket of :data:`_IMAGE_BUCKET` points)."""
    kernel = compiled(composed, "image_det", lambda: _build_image_det(composed))
    y, x, plane = (np.atleast_1d(np.asarray(v)) for v in (y, x, plane))
    n = len(y)
    pad = -n % _IMAGE_BUCKET  # points at (0, 1), off any singular centre at the origin
    y, x = np.concatenate([y, np.zeros(pad)]), np.concatenate([x, np.ones(pad)])
    plane = np.concatenate([plane, np.full(pad, plane[0] if n else 0)]).astype(int)
    det = kernel(jnp.asarray(thetas, float), jnp.asarray(y, float), jnp.asarray(x, float), jnp.asarray(plane))
    return 1.0 / np.asarray(det)[:, :n]


def compile_kernels(composed: ComposedModel, theta: np.ndarray, n_draws: int, n_images: int,
                    profile: bool = True) -> None:
    """Compile the kernels that :func:`derived_quantities` (``n_draws`` draws, up to ``n_images`` predicted
    images rounded up to :data:`_IMAGE_BUCKET`) and, with ``profile``, :func:`plot_mass_profile` run, without
    their work: the fields on a 2×2 grid, the image magnifications of dummy points, the aperture deflections
    lowered and compiled for their shapes (none of these depend on θ; ``fit`` does this during its search,
    :mod:`clusterfit.fit.warmup`)."""
    theta = np.asarray(theta, float)
    composed = composed.at(theta)
    source_planes = composed.dataset_planes
    ticks = np.array([0.0, 1.0])
    _einstein_radii(composed, theta, [composed.layout.plane_redshifts[p] for p in source_planes], ticks, ticks)
    thetas = np.repeat(theta[None], n_draws + 1, axis=0)
    image_magnifications(composed, thetas, np.zeros(n_images), np.ones(n_images), np.full(n_images, source_planes[0]))
    plane = main_lens_plane(composed)
    for n_radii, n_circle in ((len(DEFAULT_APERTURES_KPC), _CIRCLE), (_PROFILE_RADII, _PROFILE_CIRCLE))[:1 + profile]:
        _, y, x = _circles(np.ones(n_radii), (0.0, 0.0), n_circle)
        _unit_deflection(composed, plane).lower(thetas, y, x).compile()


def _build_image_det(composed: ComposedModel):
    def det(theta, y, x, plane):
        return composed.tracer.jacobian(composed.group_params(theta), y, x, plane).det

    return jax.jit(jax.vmap(det, in_axes=(0, None, None, None)))


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not v.size:
        return (float("nan"),) * 3
    p16, p50, p84 = np.percentile(v, [16, 50, 84])
    return float(p50), float(p16), float(p84)


def derived_quantities(composed: ComposedModel, theta, evaluation=None, draws: np.ndarray | None = None,
                       apertures_kpc: Sequence[float] = DEFAULT_APERTURES_KPC,
                       centre: tuple[float, float] = (0.0, 0.0), extent=None) -> list[Quantity]:
    """Every derived quantity at θ and, with ``draws`` (k, d), its posterior median and 16/84 %.

    ``evaluation`` (:class:`clusterfit.fit.evaluate.Evaluation`) supplies the predicted images; their
    magnification and parity are evaluated at their best-fit positions for θ and each draw."""
    thetas = [np.asarray(theta, float)] + ([np.asarray(t, float) for t in draws] if draws is not None else [])
    plane = main_lens_plane(composed)
    z_l = composed.layout.plane_redshifts[plane]
    cosmo = _cosmology(composed)
    radii = np.asarray(apertures_kpc, float) * cosmo.arcsec_per_kpc(z_l)
    source_planes = composed.dataset_planes
    rows: list[tuple[str, str, list[float]]] = []
    zs = [composed.layout.plane_redshifts[p] for p in source_planes]
    radii_e = _posterior_einstein_radii(composed, thetas, zs, extent)
    for k, z in enumerate(zs):
        rows.append((f"einstein_radius.z={z:g}", "arcsec", list(radii_e[:, k])))
    masses = aperture_masses(composed, np.stack(thetas), radii, centre, plane)
    for k, r in enumerate(apertures_kpc):
        rows.append((f"mass_2d.R={r:g}kpc", "Msun", list(masses[:, k])))
    if evaluation is not None:
        systems = [s for s in evaluation.systems if s.predicted]
        if systems:
            y, x, plane = (np.concatenate(v) for v in zip(*(
                ([p[0] for p in s.predicted], [p[1] for p in s.predicted],
                 [composed.source_planes[s.name]] * len(s.predicted)) for s in systems), strict=True))
            mus = image_magnifications(composed, np.stack(thetas), y, x, plane.astype(int))
            start = 0
            for s in systems:
                for i in range(len(s.predicted)):
                    rows.append((f"magnification.{s.name}.{i}", "", list(mus[:, start + i])))
                    rows.append((f"parity.{s.name}.{i}", "", list(np.sign(mus[:, start + i]))))
                start += len(s.predicted)
    out = []
    for name, unit, vals in rows:
        post = _quantiles(vals[1:]) if len(vals) > 1 else (float("nan"),) * 3
        out.append(Quantity(name, unit, float(vals[0]), *post))
    return out


def plot_mass_profile(composed: ComposedModel, theta, path, draws: np.ndarray | None = None,
                      centre: tuple[float, float] = (0.0, 0.0), r_max_kpc: float = 1000.0, dpi: int = 110):
    """PNG of the cumulative projected mass M(<R) of the main lens plane (best fit; 16–84 % band over
    the draws)."""
    from matplotlib.figure import Figure

    plane = main_lens_plane(composed)
    z_l = composed.layout.plane_redshifts[plane]
    cosmo = _cosmology(composed)
    r_kpc = np.geomspace(5.0, r_max_kpc, _PROFILE_RADII)
    radii = r_kpc * cosmo.arcsec_per_kpc(z_l)
    thetas = np.asarray(theta, float)[None] if draws is None else np.vstack([theta, draws])
    masses = aperture_masses(composed, thetas, radii, centre, plane, _PROFILE_CIRCLE)
    best = masses[0]
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.subplots()
    if len(masses) > 1:
        lo, hi = np.percentile(masses[1:], [16, 84], axis=0)
        ax.fill_between(r_kpc, lo, hi, color="tab:blue", alpha=0.3, label="16–84 %")
    ax.plot(r_kpc, best, color="tab:blue", label="best fit")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"R [kpc] (z = {z_l:g}; 1″ = {cosmo.kpc_per_arcsec(z_l):.3g} kpc)")
    ax.set_ylabel("M(<R) [M☉]")
    ax.set_title(f"projected mass around (y, x) = ({centre[0]:g}″, {centre[1]:g}″)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.savefig(path, dpi=dpi)
    return path


def folder_derived(model, evaluation, samples: int = 20, seed: int = 1) -> list[Quantity]:
    """Derived quantities of a model folder at its table values; with ``samples`` > 0 and a
    ``samples.csv`` in the folder (a results folder), posterior ranges over that many draws."""
    from pathlib import Path

    from ..fit.plots import default_extent
    from ..model import compose
    from .maps import posterior_draws, read_samples

    composed = compose(model)
    theta = composed.vector_from_tables()
    draws = None
    if samples > 0 and model.folder is not None and (Path(model.folder) / "samples.csv").exists():
        weights, table = read_samples(Path(model.folder), composed.names)
        draws = posterior_draws(weights, table, samples, seed)
    return derived_quantities(composed.at(theta), theta, evaluation, draws,
                              extent=1.6 * default_extent(composed)[1])
