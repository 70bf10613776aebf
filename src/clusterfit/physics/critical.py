"""Critical curves (det A = 0 of the lensing Jacobian) of a source plane and their caustics.

det A is evaluated on a grid (chunks of one compiled shape, :func:`clusterfit.chunked.chunked_map`; the
plane a traced argument, so one compilation serves every plane), contoured at 0 with ``contourpy``, and
each contour point is refined by Newton steps along ∇ det A, then ray-traced to the plane (the
caustics). With one lens plane the Jacobian grid of the last plane serves every source plane
(A_p = (1 − s_p) I + s_p A_last). Angles in arcsec, arrays in (y, x) order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.chunked import chunked_map
from clusterfit.compiled import compiled
from clusterfit.physics.tracer import Tracer
from clusterfit.physics.types import Params

__all__ = ["CriticalCurves", "compile_kernels", "critical_curves", "critical_curves_of_planes", "single_plane_scales"]


@dataclass(frozen=True)
class CriticalCurves:
    """Critical curves of one source plane and their caustics.

    Each entry of ``curves`` / ``caustics`` is one connected line, an array of shape (n, 2) in (y, x)
    order (arcsec); ``caustics[k]`` is ``curves[k]`` ray-traced to the plane.
    """

    plane: int
    redshift: float
    curves: list[np.ndarray]
    caustics: list[np.ndarray]

    @property
    def points(self) -> np.ndarray:
        """All critical-curve points, shape (n, 2), (y, x)."""
        return np.concatenate(self.curves) if self.curves else np.empty((0, 2))



@dataclass(frozen=True)
class _CurveFns:
    """Jitted functions of one tracer, the plane a traced argument (one compilation for all planes)."""

    det: Callable  # (params, y, x, plane) -> det A
    jacobian: Callable  # (params, y, x, plane) -> Jacobian
    refine: Callable  # (params, y, x, plane, max_step, steps) -> (y, x, β_y, β_x); plane per point


REFINE_STEPS = 4
"""Newton steps per contour point. A grid contour point lies a small fraction of a pixel off the curve
and each step shrinks that distance at least by the forward-difference gradient's relative error, so
resolved curves converge in a few steps (an SIS to 1e-6″, tests/physics/test_critical.py). On AS1063's
curves (0.28″ grid) four steps leave 1.3 % of the points unconverged (NaN, around member cores) and
agree with ten steps to 3e-4″; ten leave 0.6 %, three 2.6 %."""
_REFINE_CHUNK = 4096
# grid points per jitted call: XLA materialises every potential's intermediates for all points of a
# call, so a 600×600 grid of a 260-member cluster in one call peaks at ~13 GB (A2744: ~26 GB);
# chunks of 16,384 keep it near 1 GB at the same speed
_GRID_CHUNK = 16384


def _curve_fns(tracer: Tracer) -> _CurveFns:
    """The jitted functions of ``tracer``, compiled once and owned by it (:mod:`clusterfit.compiled`)."""
    return compiled(tracer, "critical_curves", lambda: _build_curve_fns(tracer))


def _build_curve_fns(tracer: Tracer) -> _CurveFns:
    def det(params, y, x, plane):
        return tracer.jacobian(params, y, x, plane).det

    def refine(params, y, x, plane, max_step, steps):
        # Newton steps towards det A = 0 along ∇ det A, the gradient by forward differences at
        # h = max_step/20 (three det values per step in one call: cheaper to compile than second-order
        # autodiff, and 3/5 of central differences' work). The gradient's O(h) error only slows the
        # convergence, it does not move its end: a step is d ∇d/|∇d|², zero where d = 0. Steps longer than
        # max_step or non-finite ones are not taken, so a point never leaves its grid cell's
        # neighbourhood. Points whose remaining distance |det|/|∇det| exceeds max_step/1000 (curves
        # narrower than the grid resolves, e.g. around a member's core) become NaN, which breaks the
        # drawn line there.
        h = max_step / 20.0

        def newton(py, px):
            three = jnp.tile(jnp.broadcast_to(plane, py.shape), 3)  # a plane per point, or one for all
            d = det(params, jnp.concatenate([py, py + h, py]), jnp.concatenate([px, px, px + h]),
                    three).reshape(3, -1)
            gy, gx = (d[1] - d[0]) / h, (d[2] - d[0]) / h
            g2 = gy**2 + gx**2
            safe = jnp.where(g2 > 0, g2, 1.0)
            sy, sx = d[0] * gy / safe, d[0] * gx / safe
            ok = (g2 > 0) & jnp.isfinite(sy) & jnp.isfinite(sx) & (sy**2 + sx**2 < max_step**2)
            return sy, sx, ok

        def step(_, yx):
            py, px = yx
            sy, sx, ok = newton(py, px)
            return jnp.where(ok, py - sy, py), jnp.where(ok, px - sx, px)

        py, px = jax.lax.fori_loop(0, steps, step, (y, x))
        sy, sx, ok = newton(py, px)
        good = ok & (sy**2 + sx**2 < (1e-3 * max_step) ** 2)
        py, px = jnp.where(good, py, jnp.nan), jnp.where(good, px, jnp.nan)
        by, bx = tracer.ray_trace(params, jnp.where(good, py, 0.0), jnp.where(good, px, 0.0), plane)
        return py, px, jnp.where(good, by, jnp.nan), jnp.where(good, bx, jnp.nan)

    return _CurveFns(jax.jit(det), jax.jit(tracer.jacobian), jax.jit(refine, static_argnums=5))


def single_plane_scales(tracer: Tracer, planes: Sequence[int]) -> np.ndarray | None:
    """With one lens plane i, every source plane's deflection is the last plane's times
    s_p = (D_ip/D_p)/(D_iP/D_P), for physical and reference groups alike; ``None`` otherwise."""
    lens_planes = tracer.layout.lens_planes
    if len(lens_planes) != 1:
        return None
    ratio = np.asarray(tracer.factors.ratio)
    i, last = lens_planes[0], max(planes)
    return np.array([ratio[i, p] / ratio[i, last] for p in planes])


def _points(fn: Callable, params, y: np.ndarray, x: np.ndarray, *args, chunk: int = _GRID_CHUNK):
    """``fn(params, y, x, *args)`` over many points, in chunks of one compiled shape."""
    return chunked_map(lambda yy, xx: fn(params, yy, xx, *args), (np.asarray(y, float), np.asarray(x, float)),
                       chunk)


def critical_curves(tracer: Tracer, group_params: Sequence[Params], plane: int, xs: np.ndarray, ys: np.ndarray,
                    pixel_scale: float, *, refine: int = REFINE_STEPS,
                    det_grid: np.ndarray | None = None) -> CriticalCurves:
    """Critical curves of source plane ``plane`` (index into ``tracer.layout.plane_redshifts``) and their
    caustics, from det A on the grid ``ys × xs`` (arcsec ticks, spacing ``pixel_scale``): contoured at
    0, each point moved ``refine`` Newton steps along ∇ det A (a step longer than ``pixel_scale`` is
    rejected; points that do not converge become NaN), then ray-traced. ``det_grid`` (shape
    ``(len(ys), len(xs))``) replaces the grid evaluation (see :func:`critical_curves_of_planes`)."""
    params = list(group_params)
    if det_grid is None:
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        det_grid = _points(_curve_fns(tracer).det, params, yy.ravel(), xx.ravel(), jnp.asarray(int(plane)))[0]
    return _refined(tracer, params, [plane], xs, ys, pixel_scale, refine, [det_grid])[0]


def _contours(xs: np.ndarray, ys: np.ndarray, det_grid) -> list[np.ndarray]:
    """The det A = 0 contour lines of a grid, each (n, 2) in (y, x) order."""
    import contourpy

    grid = np.asarray(det_grid).reshape(len(ys), len(xs))
    lines = contourpy.contour_generator(xs, ys, grid, line_type="Separate").lines(0.0)
    return [ln[:, ::-1] for ln in lines if len(ln) >= 2]  # (x, y) → (y, x)


def _refined(tracer: Tracer, params, planes: Sequence[int], xs, ys, pixel_scale: float, refine: int,
             det_grids) -> list[CriticalCurves]:
    """Contour each plane's grid, then refine and ray-trace the points of every plane in one pass
    (the plane is a per-point argument, so the chunks are full whatever the number of planes)."""
    lines = [_contours(xs, ys, g) for g in det_grids]
    sizes = [len(ln) for per_plane in lines for ln in per_plane]
    out = []
    if sizes:
        pts = np.concatenate([ln for per_plane in lines for ln in per_plane])
        plane_of = np.concatenate([np.full(len(ln), p) for p, per_plane in zip(planes, lines, strict=True)
                                   for ln in per_plane])
        fn = _curve_fns(tracer).refine
        py, px, by, bx = chunked_map(lambda yy, xx, pp: fn(params, yy, xx, pp, pixel_scale, refine),
                                     (pts[:, 0], pts[:, 1], plane_of.astype(int)), _REFINE_CHUNK)
        cut = np.cumsum(sizes)[:-1]
        curves = np.split(np.stack([py, px], -1), cut)
        caustics = np.split(np.stack([by, bx], -1), cut)
    start = 0
    for p, per_plane in zip(planes, lines, strict=True):
        n = len(per_plane)
        out.append(CriticalCurves(int(p), float(tracer.layout.plane_redshifts[p]),
                                  curves[start:start + n] if n else [], caustics[start:start + n] if n else []))
        start += n
    return out


def critical_curves_of_planes(tracer: Tracer, group_params: Sequence[Params], planes: Sequence[int],
                              xs: np.ndarray, ys: np.ndarray, pixel_scale: float, *,
                              refine: int = REFINE_STEPS) -> list[CriticalCurves]:
    """:func:`critical_curves` of several source planes on one grid. With one lens plane the Jacobian grid
    is evaluated once, for the last plane, and scaled to the others (A_p = (1 − s_p) I + s_p A_last,
    exact for a single lens plane): a cluster with 19 source redshifts and 260 members costs one grid.
    The contour points of all planes are refined together."""
    planes = list(planes)
    params = list(group_params)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    grids = _det_grids(tracer, params, planes, yy.ravel(), xx.ravel())
    return _refined(tracer, params, planes, xs, ys, pixel_scale, refine, grids)


def _det_grids(tracer: Tracer, params, planes: list[int], y: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    """det A of each plane at the points ``(y, x)``: with one lens plane from one Jacobian evaluation."""
    scales = single_plane_scales(tracer, planes) if len(planes) > 1 else None
    if scales is None:
        det = _curve_fns(tracer).det
        return [_points(det, params, y, x, jnp.asarray(int(p)))[0] for p in planes]
    a_yy, a_yx, a_xy, a_xx = _points(_curve_fns(tracer).jacobian, params, y, x, jnp.asarray(max(planes)))
    return [((1 - s) + s * a_yy) * ((1 - s) + s * a_xx) - s * s * a_yx * a_xy for s in scales]


def compile_kernels(tracer: Tracer, group_params: Sequence[Params], planes: Sequence[int], pixel_scale: float,
                    refine: int = REFINE_STEPS) -> None:
    """Compile the kernels :func:`critical_curves_of_planes` runs with these arguments (the grid's, the
    refinement's) by running each on one chunk: a 2×2 grid, then a contour drawn through it (their shapes do
    not depend on θ; ``fit`` does this during its search, :mod:`clusterfit.fit.warmup`)."""
    planes, params, ticks = list(planes), list(group_params), np.array([0.0, 1.0])
    _det_grids(tracer, params, planes, np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    crossing = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    _refined(tracer, params, planes, ticks, ticks, pixel_scale, refine, [crossing] * len(planes))
