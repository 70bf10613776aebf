"""Completeness of the image solver on the example cluster against a brute-force reference
(issue 4, acceptance 1).

1,000 random sources on the example's three source planes (z = 1.5, 2, 3), drawn inside the region
of the caustics (70 % uniform over the box spanned by the caustics, 30 % within ~0.1″ of a caustic).
Reference images: a dense grid (0.07″ over ±70″, plus 0.01″ patches ±1″ around every lens centre),
mapped once per source plane with the tracer; every grid triangle whose mapped triangle contains β
(barycentric test, found through a bin index of the mapped triangles so that all sources are tested
in one vectorised pass) seeds a Newton polish (``solver.polish``); polished points with
|β(θ) − β| < 1e-6″ are reference images, duplicates merged within 1e-5″. Every reference image must
be found by ``solve_planes`` (shared tiling) and by ``solve`` (one plane at a time) within 1e-4″.
"""

from __future__ import annotations

import time

import jax
import numpy as np
import pytest

import clusterfit
from clusterfit.model import compose
from clusterfit.physics.solver import lens_centres, make_image_solver

jax.config.update("jax_enable_x64", True)

N_SOURCES = 1000
Z_SOURCES = (1.5, 2.0, 3.0)
GRID_HALF, GRID_STEP = 70.0, 0.07  # main brute-force grid (arcsec)
PATCH_HALF, PATCH_STEP = 1.0, 0.01  # around every lens centre
BIN = 0.25  # source-plane bin of the triangle index (arcsec)
REF_TOL, FOUND_TOL, MERGE = 1e-6, 1e-4, 1e-5


def _square(cy, cx, half, step):
    n = int(round(2 * half / step)) + 1
    t = np.linspace(-half, half, n)
    gy, gx = np.meshgrid(cy + t, cx + t, indexing="ij")
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[:-1, 1:], idx[1:, 1:]
    tri = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([d, c, b], -1).reshape(-1, 3)])
    return gy.ravel(), gx.ravel(), tri, n


def _dense_grid(centres):
    """Nodes and triangles of the main grid and of the patches; also the main grid's side n."""
    gy, gx, tri, n = _square(0.0, 0.0, GRID_HALF, GRID_STEP)
    ys, xs, tris, off = [gy], [gx], [tri], len(gy)
    for cy, cx in centres:
        py, px, ptri, _ = _square(cy, cx, PATCH_HALF, PATCH_STEP)
        ys.append(py)
        xs.append(px)
        tris.append(ptri + off)
        off += len(py)
    return np.concatenate(ys), np.concatenate(xs), np.concatenate(tris), n


def _caustic_points(my, mx, n):
    """Mapped main-grid nodes where the orientation of the mapped cell flips (critical curves)."""
    my, mx = my[: n * n].reshape(n, n), mx[: n * n].reshape(n, n)
    # signed area of the mapped lower-left triangle of each cell: sign(det A)
    area = ((my[1:, :-1] - my[:-1, :-1]) * (mx[:-1, 1:] - mx[:-1, :-1])
            - (mx[1:, :-1] - mx[:-1, :-1]) * (my[:-1, 1:] - my[:-1, :-1]))
    s = np.sign(area)
    flip = np.zeros_like(s, dtype=bool)
    flip[:-1] |= s[:-1] * s[1:] < 0
    flip[:, :-1] |= s[:, :-1] * s[:, 1:] < 0
    return my[:-1, :-1][flip], mx[:-1, :-1][flip]


def _draw_sources(rng, cy, cx, k):
    """70 % uniform over the caustics' box (0.5–99.5 percentiles), 30 % near a caustic point."""
    lo_y, hi_y = np.percentile(cy, [0.5, 99.5])
    lo_x, hi_x = np.percentile(cx, [0.5, 99.5])
    n_uni = int(round(0.7 * k))
    sy = rng.uniform(lo_y, hi_y, n_uni)
    sx = rng.uniform(lo_x, hi_x, n_uni)
    pick = rng.integers(0, len(cy), k - n_uni)
    sy = np.concatenate([sy, cy[pick] + rng.normal(0, 0.1, k - n_uni)])
    sx = np.concatenate([sx, cx[pick] + rng.normal(0, 0.1, k - n_uni)])
    return sy, sx


def _containing(vy, vx, sy, sx):
    """(source, triangle) pairs with β_source inside mapped triangle (vy, vx) (t, 3): bin the mapped
    triangles' bounding boxes on a BIN grid over the sources' box, join with the sources' bins, then
    apply the barycentric sign test to the pairs."""
    lo_y, lo_x = sy.min() - BIN, sx.min() - BIN
    nby = int((sy.max() + BIN - lo_y) / BIN) + 1
    nbx = int((sx.max() + BIN - lo_x) / BIN) + 1
    with np.errstate(invalid="ignore"):
        y0 = np.floor((vy.min(1) - lo_y) / BIN)
        y1 = np.floor((vy.max(1) - lo_y) / BIN)
        x0 = np.floor((vx.min(1) - lo_x) / BIN)
        x1 = np.floor((vx.max(1) - lo_x) / BIN)
        ok = np.isfinite(y0 + y1 + x0 + x1) & (y1 >= 0) & (y0 < nby) & (x1 >= 0) & (x0 < nbx)
    tid = np.nonzero(ok)[0]
    y0, y1 = np.clip(y0[ok], 0, nby - 1).astype(np.int64), np.clip(y1[ok], 0, nby - 1).astype(np.int64)
    x0, x1 = np.clip(x0[ok], 0, nbx - 1).astype(np.int64), np.clip(x1[ok], 0, nbx - 1).astype(np.int64)
    wx = x1 - x0 + 1
    cnt = (y1 - y0 + 1) * wx
    off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    wx_r = np.repeat(wx, cnt)
    bins = (np.repeat(y0, cnt) + off // wx_r) * nbx + np.repeat(x0, cnt) + off % wx_r
    order = np.argsort(bins, kind="stable")
    bins, tris = bins[order], np.repeat(tid, cnt)[order]
    sbin = np.floor((sy - lo_y) / BIN).astype(np.int64) * nbx + np.floor((sx - lo_x) / BIN).astype(np.int64)
    start, stop = np.searchsorted(bins, sbin, "left"), np.searchsorted(bins, sbin, "right")
    m = stop - start
    src = np.repeat(np.arange(len(sy)), m)
    tri = tris[np.repeat(start, m) + np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)]
    ty, tx, py, px = vy[tri], vx[tri], sy[src], sx[src]
    d = [(tx[:, (i + 1) % 3] - tx[:, i]) * (py - ty[:, i]) - (ty[:, (i + 1) % 3] - ty[:, i]) * (px - tx[:, i])
         for i in range(3)]
    inside = ((d[0] >= 0) & (d[1] >= 0) & (d[2] >= 0)) | ((d[0] <= 0) & (d[1] <= 0) & (d[2] <= 0))
    return src[inside], tri[inside]


def _merge(src, y, x):
    """Unique (source, image) within MERGE: returns one list of (y, x) arrays per source index."""
    out: dict[int, list[tuple[float, float]]] = {}
    for s, yy, xx in zip(src, y, x, strict=True):
        kept = out.setdefault(int(s), [])
        if all(np.hypot(yy - a, xx - b) >= MERGE for a, b in kept):
            kept.append((float(yy), float(xx)))
    return out


@pytest.mark.slow
def test_no_image_missed_on_example_cluster():
    t_start = time.perf_counter()
    composed = compose(clusterfit.load_model(clusterfit.example_folder()))
    params = composed.group_params(composed.vector_from_tables())
    tracer = composed.tracer
    solver = make_image_solver(tracer)
    planes = [tracer.layout.plane_index(z) for z in Z_SOURCES]
    gy, gx, tri, n = _dense_grid(lens_centres(params))
    rng = np.random.default_rng(20261104)
    counts = np.diff(np.linspace(0, N_SOURCES, len(planes) + 1).round().astype(int))

    requests, reference = [], []
    n_ref = 0
    for plane, k in zip(planes, counts, strict=True):
        my, mx = solver._map(params, gy, gx, plane)
        # images of a source β lie within max|α| of it: the grid must reach that far
        alpha = np.nanmax(np.hypot(gy - my, gx - mx)[: n * n])
        cy, cx = _caustic_points(my, mx, n)
        sy, sx = _draw_sources(rng, cy, cx, k)
        assert np.max(np.hypot(sy, sx)) + alpha + 1.0 < GRID_HALF
        src, t = _containing(my[tri], mx[tri], sy, sx)
        y, x, res, _ = solver.polish(params, gy[tri[t]].mean(1), gx[tri[t]].mean(1), sy[src], sx[src], plane)
        good = res < REF_TOL
        ref = _merge(src[good], y[good], x[good])
        n_ref += sum(len(v) for v in ref.values())
        assert len(ref) == k  # every source has at least one image
        requests.append((sy, sx, plane))
        reference.append(ref)
    t_ref = time.perf_counter() - t_start

    t0 = time.perf_counter()
    shared = solver.solve_planes(params, requests)
    t_shared = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = [solver.solve(params, *r) for r in requests]
    t_single = time.perf_counter() - t0

    missed = []
    for label, result in (("solve_planes", shared), ("solve", single)):
        for (sy, sx, plane), ref, images in zip(requests, reference, result, strict=True):
            for k, found in ref.items():
                im = images[k]
                assert np.all(im.residual < 1e-8)
                for yy, xx in found:
                    d = np.min(np.hypot(im.y - yy, im.x - xx), initial=np.inf)
                    if d > FOUND_TOL:
                        missed.append(f"{label}: plane {plane} source (y, x) = ({sy[k]!r}, {sx[k]!r}) "
                                      f"missed image ({yy!r}, {xx!r}); nearest found {d:.3g}″")
    # the other way round (diagnostic only): solver images that the brute force did not find
    extra = sum(int(np.min(np.hypot(np.array(ref.get(k, [(np.inf, np.inf)]))[:, 0] - yy,
                                    np.array(ref.get(k, [(np.inf, np.inf)]))[:, 1] - xx)) > FOUND_TOL)
                for ref, images in zip(reference, shared, strict=True)
                for k, im in enumerate(images) for yy, xx in zip(im.y, im.x, strict=True))
    multiplicity = np.bincount([len(v) for ref in reference for v in ref.values()])
    print(f"\nreference: {n_ref} images of {N_SOURCES} sources (multiplicity counts {multiplicity.tolist()}) "
          f"in {t_ref:.1f} s; solve_planes {t_shared:.1f} s, solve {t_single:.1f} s; "
          f"{extra} solver images not in the reference")
    assert not missed, "\n".join(missed)
