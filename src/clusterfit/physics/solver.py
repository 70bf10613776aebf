"""Point-source image finding: triangle mapping, adaptive refinement, Newton polish.

Every image θ of a source β on plane j solves ``β_j(θ) = β`` (the lens equation of
:mod:`clusterfit.physics.tracer`). The solver (after Schneider, Ehlers & Falco 1992, §11.1 and Keeton
2001, ``gravlens``'s tiling; cf. PyAutoLens's ``PointSolver``):

1. tiles the search square with a uniform grid of spacing ``s0``, plus finer patches around the lens
   centres (so that demagnified images in small cores are resolved), each cell split into 2 triangles;
2. maps every node to the source plane once (one jitted call, shared by all sources of that plane);
3. keeps, per source, the triangles whose mapped bounding box, grown by ``margin`` × the mapped
   triangle's longest edge, contains β. This is a superset of the barycentric-containment test, so
   that pairs of images closer than a triangle (near critical curves) are not lost;
4. splits each candidate into 4 and repeats step 3 ``levels`` times;
5. polishes each surviving triangle's centroid by damped Newton iterations with the Jacobian
   ``A = ∂β/∂θ`` until ``|β(θ) − β| < tolerance`` (default 1e-8″), and merges duplicates closer than
   ``merge_radius``.

Numpy orchestrates; the mapping and Newton kernels are jitted with array sizes padded to powers of two,
so they compile a handful of times per layout. All sources of one call are refined together.
Angles in arcsec; magnifications signed (parity = sign(det A)).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.chunked import chunked_map
from clusterfit.compiled import compiled
from clusterfit.physics.tracer import Tracer
from clusterfit.physics.types import Params

__all__ = ["SolverConfig", "Images", "ImageSolver", "make_image_solver", "lens_centres"]


@dataclass(frozen=True)
class SolverConfig:
    """Options of the image solver; ``None`` means derived from the model (see :meth:`ImageSolver.region`).

    ``half_width``/``centre``: the search square (arcsec); ``pixel_scale``: level-0 spacing ``s0``
    (default ``2 half_width / cells``); ``levels``: refinement levels (final spacing ``s0 / 2**levels``);
    ``core_half_width``/``core_pixel_scale``: patches around lens centres (defaults ``s0`` and
    ``s0 / 8``); ``magnification_threshold``: drop images with ``|μ| <`` it (off by default).
    """

    half_width: float | None = None
    centre: tuple[float, float] | None = None
    pixel_scale: float | None = None
    cells: int = 250
    levels: int = 4
    margin: float = 1.0
    core_half_width: float | None = None
    core_pixel_scale: float | None = None
    tolerance: float = 1e-8
    merge_radius: float = 1e-5
    newton_iterations: int = 40
    magnification_threshold: float | None = None


class Images(NamedTuple):
    """Images of one source: positions (arcsec), signed magnification, parity (±1), residual |β(θ)−β|."""

    y: np.ndarray
    x: np.ndarray
    magnification: np.ndarray
    parity: np.ndarray
    residual: np.ndarray


def lens_centres(group_params: Sequence[Params]) -> np.ndarray:
    """(k, 2) array of the (y, x) centres of every profile that has a centre (arcsec)."""
    out = [np.stack([np.asarray(p["y"], float), np.asarray(p["x"], float)], axis=-1).reshape(-1, 2)
           for p in group_params if "y" in p and "x" in p]
    return np.concatenate(out) if out else np.zeros((0, 2))


def _grid(cy: float, cx: float, half: float, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (y, x) and triangles (t, 3) of a square grid, each cell split along its diagonal."""
    n = max(1, int(np.ceil(2 * half / step)))
    ticks = np.linspace(-half, half, n + 1)
    yy, xx = np.meshgrid(cy + ticks, cx + ticks, indexing="ij")
    idx = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[:-1, 1:], idx[1:, 1:]
    tri = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([d, c, b], -1).reshape(-1, 3)])
    return yy.ravel(), xx.ravel(), tri


def _children(v: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """The 4 children (4t, 3) of triangles with vertex values ``v`` (t, 3) and edge-midpoint values
    ``mid`` (t, 3; edges (0,1), (1,2), (2,0)): corners first, the middle triangle last."""
    return np.stack([
        np.stack([v[:, 0], mid[:, 0], mid[:, 2]], 1), np.stack([mid[:, 0], v[:, 1], mid[:, 1]], 1),
        np.stack([mid[:, 2], mid[:, 1], v[:, 2]], 1), np.stack([mid[:, 0], mid[:, 1], mid[:, 2]], 1),
    ], 1).reshape(-1, 3)


def _build_newton(tracer: Tracer, iters: int, tolerance: float):
    """The jitted damped-Newton kernel ``(params, y, x, ty, tx, active, plane, max_step) -> (y, x,
    |β(θ) − β|, det A)`` of :meth:`ImageSolver.polish` (at most ``iters`` steps per chunk; ``plane`` one
    per point, so that the points of several source planes share a call)."""
    damping = jnp.array([1.0, 0.5, 0.25, 0.1])
    floor = (1e-3 * tolerance) ** 2

    def kernel(params, y, x, ty, tx, active, plane, max_step):
        n_try = len(damping)
        plane_try = jnp.tile(plane, n_try)

        def residual(yy, xx, ty=ty, tx=tx, plane=plane):
            by, bx = tracer.ray_trace(params, yy, xx, plane)
            return by - ty, bx - tx

        def residual_and_jacobian(yy, xx):
            # the tracer's Jacobian: analytic Hessians with one lens plane (cheaper to run and to compile
            # than differentiating the ray trace), forward-mode autodiff with several
            ry, rx = residual(yy, xx)
            a = tracer.jacobian(params, yy, xx, plane)
            return ry, rx, a.yy, a.yx, a.xy, a.xx

        def step(state):
            i, y, x, r2, done = state
            ry, rx, a_yy, a_yx, a_xy, a_xx = residual_and_jacobian(y, x)
            det = a_yy * a_xx - a_yx * a_xy
            det = jnp.where(det == 0, 1e-300, det)
            dy = -(a_xx * ry - a_yx * rx) / det
            dx = -(-a_xy * ry + a_yy * rx) / det
            size = jnp.hypot(dy, dx)
            clip = jnp.minimum(1.0, max_step / jnp.where(size > 0, size, 1.0))
            dy, dx = dy * clip, dx * clip
            cand_y = y[None, :] + damping[:, None] * dy[None, :]
            cand_x = x[None, :] + damping[:, None] * dx[None, :]
            cy, cx = residual(cand_y.ravel(), cand_x.ravel(), jnp.tile(ty, n_try), jnp.tile(tx, n_try), plane_try)
            r2_try = (cy**2 + cx**2).reshape(cand_y.shape)
            best = jnp.argmin(r2_try, axis=0)
            r2_best = jnp.take_along_axis(r2_try, best[None], 0)[0]
            improved = r2_best < r2
            ny = jnp.take_along_axis(cand_y, best[None], 0)[0]
            nx = jnp.take_along_axis(cand_x, best[None], 0)[0]
            # a point is done once converged far below the tolerance or when no step improves it
            done = done | ~improved | (r2_best < floor)
            return (i + 1, jnp.where(improved, ny, y), jnp.where(improved, nx, x),
                    jnp.where(improved, r2_best, r2), done)

        def go_on(state):
            i, _, _, _, done = state
            return (i < iters) & ~jnp.all(done)

        ry, rx = residual(y, x)
        state = (0, y, x, ry**2 + rx**2, ~active)
        _, y, x, _, _ = jax.lax.while_loop(go_on, step, state)
        ry, rx, a_yy, a_yx, a_xy, a_xx = residual_and_jacobian(y, x)
        return y, x, jnp.hypot(ry, rx), a_yy * a_xx - a_yx * a_xy

    return jax.jit(kernel)


@dataclass(frozen=True)
class ImageSolver:
    """Image finder for one :class:`~clusterfit.physics.tracer.Tracer` (see the module docstring)."""

    tracer: Tracer
    config: SolverConfig = SolverConfig()

    # --- jitted kernels -------------------------------------------------------------------------
    # Arrays go through the kernels in chunks of fixed sizes (clusterfit.chunked), and the plane index is
    # a traced argument, so each kernel compiles once per tracer (clusterfit.compiled: the tracer owns
    # them, and every solver of that tracer shares them) whatever the number of source planes.
    _MAP_CHUNK = 16384
    _SMALL_CHUNK = 1024  # calls with fewer points (refinement levels, the region's grid) pad less
    _NEWTON_CHUNK = 1024

    def _map(self, params, y: np.ndarray, x: np.ndarray, plane: int) -> tuple[np.ndarray, np.ndarray]:
        kernel = compiled(self.tracer, "ray_trace", lambda: jax.jit(self.tracer.ray_trace))
        size = self._MAP_CHUNK if len(y) > self._MAP_CHUNK // 2 else self._SMALL_CHUNK
        # padding sits at (0, 1), off singular centres at the origin
        by, bx = chunked_map(lambda yy, xx: kernel(params, yy, xx, plane), (y, x), size, (0.0, 1.0))
        return by, bx

    def _newton_kernel(self):
        iters = self.config.newton_iterations
        return compiled(self.tracer, ("newton", iters, self.config.tolerance),
                        lambda: _build_newton(self.tracer, iters, self.config.tolerance))

    def _newton(self, params, y, x, ty, tx, plane, max_step):
        """Damped Newton from ``(y, x)`` towards ``(ty, tx)`` on ``plane`` (one, or one per point)."""
        kernel = self._newton_kernel()
        active = np.ones(len(y), dtype=bool)
        planes = np.broadcast_to(np.asarray(plane, int), np.shape(y))
        fill_plane = int(planes[0]) if len(planes) else 0
        return chunked_map(lambda *c: kernel(params, *c, max_step), (y, x, ty, tx, active, planes),
                           self._NEWTON_CHUNK, (0.0, 1.0, 0.0, 0.0, False, fill_plane))

    # --- geometry -------------------------------------------------------------------------------
    def region(self, params, source_y, source_x, plane: int) -> tuple[float, float, float]:
        """Search square ``(centre_y, centre_x, half_width)``: the configured one, else a square around
        the sources whose half-width is 1.3 × the largest deflection found inside it + 2″ (iterated)."""
        cfg = self.config
        sy, sx = np.atleast_1d(source_y), np.atleast_1d(source_x)
        cy, cx = cfg.centre if cfg.centre is not None else (0.5 * (sy.max() + sy.min()),
                                                            0.5 * (sx.max() + sx.min()))
        if cfg.half_width is not None:
            return float(cy), float(cx), float(cfg.half_width)
        spread = max(np.ptp(sy), np.ptp(sx)) / 2
        half = 10.0 + spread
        for _ in range(6):
            gy, gx, _t = _grid(cy, cx, half, half / 24)
            by, bx = self._map(params, gy, gx, plane)
            alpha = float(np.nanmax(np.hypot(gy - by, gx - bx)))
            need = 1.3 * alpha + 2.0 + spread
            if need <= half:
                break
            half = need
        return float(cy), float(cx), float(half)

    def _tiling(self, params, cy, cx, half, s0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cfg = self.config
        ys, xs, tris, offset = [], [], [], 0
        patches = [(cy, cx, half, s0)]
        core_half = cfg.core_half_width or s0
        core_step = cfg.core_pixel_scale or s0 / 8.0
        for py, px in lens_centres(params):
            if abs(py - cy) < half + core_half and abs(px - cx) < half + core_half:
                patches.append((py, px, core_half, core_step))
        for p in patches:
            gy, gx, tri = _grid(*p)
            ys.append(gy)
            xs.append(gx)
            tris.append(tri + offset)
            offset += len(gy)
        return np.concatenate(ys), np.concatenate(xs), np.concatenate(tris)

    @staticmethod
    def _boxes(vy: np.ndarray, vx: np.ndarray, margin: float) -> np.ndarray:
        """(4, t) boxes ``(y_lo, y_hi, x_lo, x_hi)``: the bounding box of each mapped triangle
        (vertices ``vy, vx`` of shape (t, 3)) grown by ``margin`` × its longest edge (empty if not finite)."""
        edge = np.max(np.hypot(vy - np.roll(vy, 1, 1), vx - np.roll(vx, 1, 1)), axis=1)
        grow = np.where(np.isfinite(edge), margin * edge, -np.inf)
        return np.stack([vy.min(1) - grow, vy.max(1) + grow, vx.min(1) - grow, vx.max(1) + grow])

    @staticmethod
    def _inside(box: np.ndarray, sy, sx) -> np.ndarray:
        """Whether β = (sy, sx) lies in each box (sy, sx scalars or arrays matching the boxes)."""
        return (sy >= box[0]) & (sy <= box[1]) & (sx >= box[2]) & (sx <= box[3])

    @staticmethod
    def _contains(vy, vx, sy, sx) -> np.ndarray:
        """Barycentric sign test: β inside (or on) each mapped triangle (t, 3), either orientation."""
        d = [(vx[:, (i + 1) % 3] - vx[:, i]) * (sy - vy[:, i]) - (vy[:, (i + 1) % 3] - vy[:, i]) * (sx - vx[:, i])
             for i in range(3)]
        return ((d[0] >= 0) & (d[1] >= 0) & (d[2] >= 0)) | ((d[0] <= 0) & (d[1] <= 0) & (d[2] <= 0))

    # --- the solve ------------------------------------------------------------------------------
    def solve(self, group_params: Sequence[Params], source_y, source_x, plane: int) -> list[Images]:
        """Images of each source ``(source_y[k], source_x[k])`` on ``plane`` (index into
        ``tracer.layout.plane_redshifts``); returns one :class:`Images` per source."""
        cfg = self.config
        params = list(group_params)
        sy = np.atleast_1d(np.asarray(source_y, float))
        sx = np.atleast_1d(np.asarray(source_x, float))
        cy, cx, half = self.region(params, sy, sx, plane)
        s0 = cfg.pixel_scale or 2 * half / cfg.cells
        ny, nx, tri = self._tiling(params, cy, cx, half, s0)
        my, mx = self._map(params, ny, nx, plane)
        return self._polish_all(params, [(sy, sx, plane, *self._starts(params, sy, sx, plane, ny, nx, tri, my, mx,
                                                                         s0))], s0)[0]

    def solve_planes(self, group_params: Sequence[Params], requests) -> list[list[Images]]:
        """Solve several ``(source_y, source_x, plane)`` requests; returns one list per request.

        With one lens plane, β_j = θ − s_j (θ − β_r) for every plane j, with s_j = (D_lj/D_j)/(D_lr/D_r)
        (the same for physical and reference groups), so the level-0 tiling is mapped once, to the last
        plane r, and shared by all source planes. Otherwise each request is solved on its own."""
        layout = self.tracer.layout
        requests = [(np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float)), int(p))
                    for a, b, p in requests]
        if len(layout.lens_planes) != 1 or len(requests) < 2:
            return [self.solve(group_params, *r) for r in requests]
        cfg = self.config
        params = list(group_params)
        r_plane = layout.reference_plane
        lens = layout.lens_planes[0]
        ratio = np.asarray(self.tracer.factors.ratio)
        all_y = np.concatenate([r[0] for r in requests])
        all_x = np.concatenate([r[1] for r in requests])
        cy, cx, half = self.region(params, all_y, all_x, r_plane)
        s0 = cfg.pixel_scale or 2 * half / cfg.cells
        ny, nx, tri = self._tiling(params, cy, cx, half, s0)
        ry, rx = self._map(params, ny, nx, r_plane)
        started = []
        for sy, sx, plane in requests:
            scale = ratio[lens, plane] / ratio[lens, r_plane]
            my, mx = ny - scale * (ny - ry), nx - scale * (nx - rx)
            started.append((sy, sx, plane, *self._starts(params, sy, sx, plane, ny, nx, tri, my, mx, s0)))
        return self._polish_all(params, started, s0)

    def _polish_all(self, params, started, s0) -> list[list[Images]]:
        """Newton from the starts of several requests ``(sy, sx, plane, y0, x0, src)`` in one pass
        (the plane is a per-point argument); the images of each source of each request."""
        step = s0 / 2 ** self.config.levels
        y0, x0 = (np.concatenate([r[k] for r in started]) for k in (3, 4))
        ty = np.concatenate([r[0][r[5]] for r in started])
        tx = np.concatenate([r[1][r[5]] for r in started])
        planes = np.concatenate([np.full(len(r[5]), r[2]) for r in started])
        y, x, res, det = self._newton(params, y0, x0, ty, tx, planes, 4 * step)
        out, start = [], 0
        for sy, _, _, _, _, src in started:
            sl = slice(start, start + len(src))
            start = sl.stop
            out.append([self._collect(y[sl], x[sl], res[sl], det[sl], src == k) for k in range(len(sy))])
        return out

    def _starts(self, params, sy, sx, plane, ny, nx, tri, my, mx, s0):
        """Newton starting points ``(y0, x0, src)`` of sources ``(sy, sx)`` on ``plane`` from the tiling
        (nodes ``ny, nx`` mapped to ``my, mx``, triangles ``tri``, spacing ``s0``)."""
        cfg = self.config
        # level 0: every triangle against every source (one pass over the triangles per source)
        ty, tx = ny[tri], nx[tri]  # (t, 3) image-plane vertices
        vy, vx = my[tri], mx[tri]
        box = self._boxes(vy, vx, cfg.margin)
        hits = [np.nonzero(self._inside(box, sy[k], sx[k]))[0] for k in range(len(sy))]
        src = np.concatenate([np.full(len(h), k) for k, h in enumerate(hits)])
        cand = np.concatenate(hits)
        ty, tx, vy, vx = ty[cand], tx[cand], vy[cand], vx[cand]

        # refinement: split each candidate into 4, keep the children near β
        # (only the edge midpoints are new points: the corners were mapped one level up)
        for _ in range(cfg.levels):
            my_ = 0.5 * (ty + np.roll(ty, -1, 1))  # midpoints of edges (0,1), (1,2), (2,0)
            mx_ = 0.5 * (tx + np.roll(tx, -1, 1))
            by, bx = self._map(params, my_.ravel(), mx_.ravel(), plane)
            cy4, cx4 = _children(ty, my_), _children(tx, mx_)
            vy, vx = _children(vy, by.reshape(-1, 3)), _children(vx, bx.reshape(-1, 3))
            src4 = np.repeat(src, 4)
            keep = self._inside(self._boxes(vy, vx, cfg.margin), sy[src4], sx[src4])
            ty, tx, src, vy, vx = cy4[keep], cx4[keep], src4[keep], vy[keep], vx[keep]

        # Newton polish from the centroids of the triangles that contain β, plus the best near one
        # per (source, cell of 4 final spacings) — neighbours of one image converge to it anyway
        step = s0 / 2 ** cfg.levels
        y0, x0 = ty.mean(1), tx.mean(1)
        if len(src):
            pick = self._contains(vy, vx, sy[src], sx[src])
            edge = np.max(np.hypot(vy - np.roll(vy, 1, 1), vx - np.roll(vx, 1, 1)), axis=1)
            score = np.hypot(vy.mean(1) - sy[src], vx.mean(1) - sx[src]) / np.maximum(edge, 1e-300)
            cells = np.stack([src, np.floor(y0 / (4 * step)), np.floor(x0 / (4 * step))], 1)
            order = np.argsort(score, kind="stable")
            _, first = np.unique(cells[order], axis=0, return_index=True)
            pick[order[first]] = True
            y0, x0, src = y0[pick], x0[pick], src[pick]
        return y0, x0, src.astype(int)

    def compile_kernels(self, group_params: Sequence[Params], plane: int) -> None:
        """Compile the kernels :meth:`solve` runs, for ``group_params``' shapes: each is called on one chunk
        of dummy points (its shapes do not depend on the values; ``fit`` does this during its search:
        :mod:`clusterfit.fit.warmup`)."""
        params = list(group_params)
        for n in (1, self._MAP_CHUNK // 2 + 1):  # the small and the large chunk of _map
            self._map(params, np.zeros(n), np.ones(n), int(plane))
        self._newton(params, np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1), int(plane), 1.0)

    def with_config(self, **changes) -> ImageSolver:
        """A solver with some options changed that shares this one's compiled kernels."""
        return dataclasses.replace(self, config=dataclasses.replace(self.config, **changes))

    def polish(self, group_params: Sequence[Params], y, x, source_y, source_x, plane: int):
        """Damped Newton from starting points ``(y, x)`` towards sources ``(source_y, source_x)`` (one
        per point); returns ``(y, x, residual, det A)`` as numpy arrays. ``max_step`` is 4 × the final
        refinement spacing when the search region is configured, else 0.05″."""
        cfg = self.config
        step = cfg.pixel_scale / 2**cfg.levels if cfg.pixel_scale else 0.05 / 4
        args = [np.atleast_1d(np.asarray(v, float)) for v in (y, x, source_y, source_x)]
        return self._newton(list(group_params), *args, plane, 4 * step)

    def _collect(self, y, x, res, det, mask) -> Images:
        cfg = self.config
        ok = mask & (res < cfg.tolerance) & np.isfinite(res) & (det != 0)
        y, x, res, det = y[ok], x[ok], res[ok], det[ok]
        order = np.argsort(res)
        kept: list[int] = []
        for i in order:
            if all(np.hypot(y[i] - y[j], x[i] - x[j]) >= cfg.merge_radius for j in kept):
                kept.append(i)
        kept_a = np.array(sorted(kept, key=lambda i: (-abs(1 / det[i]), i)), dtype=int)
        mu = 1.0 / det[kept_a]
        if cfg.magnification_threshold is not None:
            keep = np.abs(mu) >= cfg.magnification_threshold
            kept_a, mu = kept_a[keep], mu[keep]
        return Images(y[kept_a], x[kept_a], mu, np.sign(mu).astype(int), res[kept_a])


def make_image_solver(tracer: Tracer, config: SolverConfig | None = None) -> ImageSolver:
    """An :class:`ImageSolver` for ``tracer``; ``solver.solve(group_params, sy, sx, plane)``."""
    return ImageSolver(tracer, config or SolverConfig())
