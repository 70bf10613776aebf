"""Lenstool's local image search: a triangle walk from each observed image to its source's image.

Lenstool (``unlens_bc_single``, ``e_im_prec``, ``e_inthere``; constants from ``dimension.h``) does not
solve the lens equation over the whole field when it scores a model: from each observed image it walks
triangles towards the image of the system's source (:func:`lenstool_local_images`), and scores that one.
Pure numpy around a ``to_source`` callback. Angles in arcsec, (y, x) order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DMIN", "NITMAX", "FOUND_LIMIT", "LocalImages", "lenstool_local_images"]

DMIN = 1e-4  # arcsec: stop when the source triangle's |det| (twice its area) is below DMIN² (dimension.h)
NITMAX = 100  # iteration cap of the search (dimension.h); the test ``it++ > NITMAX`` allows 102 steps
FOUND_LIMIT = 0.1  # accept if |β(found) − β_s| / |det A(observed)| < this (arcsec, image-plane scale)


class LocalImages(NamedTuple):
    """Per observed image: the predicted image ``(y, x)`` reached by Lenstool's search (the observed
    position where ``found`` is False), ``found``, and the number of search steps."""

    y: np.ndarray
    x: np.ndarray
    found: np.ndarray
    steps: np.ndarray


def _cross(a, b, c):
    """Twice the signed area of the triangles (a, b, c); points (..., 2) in (y, x)."""
    return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])


def _opposite(t, p, j: int):
    """> 0 where p lies on vertex j's side of the edge through the other two vertices of t (n, 3, 2)."""
    u, v = ((1, 2), (2, 0), (0, 1))[j]
    return _cross(t[:, u], t[:, v], p) * _cross(t[:, u], t[:, v], t[:, j])


def _grow(t, factor: float):
    """Triangles scaled by ``factor`` about their centroids."""
    g = t.mean(axis=1, keepdims=True)
    return g + factor * (t - g)


def _reflect(t, j):
    """Vertex j[i] of triangle i moved to (sum of the other two) − itself (the neighbour across the edge)."""
    out = t.copy()
    rows = np.arange(len(t))
    out[rows, j] = t.sum(axis=1)[rows] - 2 * t[rows, j]
    return out


def lenstool_local_images(obs_y, obs_x, source_y, source_x, traced_y, traced_x, det_a, dist_min,
                          to_source) -> LocalImages:
    """Lenstool's image-plane search: for each observed image, the image of its system's source β_s
    found by walking triangles from the observed position (Lenstool ``unlens_bc_single``).

    Start: an equilateral-like triangle centred on the observed image θ_j with size
    ``dd = min(0.7 |β_s − β_j| / |det A_j|, 0.4 dist_min)`` (β_j: θ_j traced; ``dist_min``: the system's
    smallest image separation capped at 15″). Each step splits the triangle into 4 (edge midpoints),
    keeps the sub-triangle whose source-plane image contains β_s, or, when β_s is outside, the corner
    or neighbouring triangle towards it, enlarged (×1.5 or ×2) (Lenstool ``e_inthere``, including its
    repeated test in the third corner case). It stops when the source triangle's |det| < DMIN² or after
    NITMAX steps; the image is found when |centroid of the source triangle − β_s| / |det A_j| < 0.1.

    Arrays are per observed image (one system's β_s repeated for each of its images);
    ``to_source(y, x)`` maps image-plane arrays of shape (n, 3) to the source plane of each row's
    system. Angles in arcsec; (y, x) order; pure numpy around ``to_source``."""
    oy, ox = np.asarray(obs_y, float), np.asarray(obs_x, float)
    p = np.stack([np.asarray(source_y, float), np.asarray(source_x, float)], -1)
    amp = np.abs(np.asarray(det_a, float))
    dd = 0.7 * np.hypot(p[:, 0] - np.asarray(traced_y), p[:, 1] - np.asarray(traced_x)) / amp
    dd = np.minimum(dd, 0.4 * np.asarray(dist_min, float))

    def mapped(t):
        sy, sx = to_source(t[..., 0], t[..., 1])
        return np.stack([np.asarray(sy), np.asarray(sx)], -1)

    ei = np.stack([np.stack([oy + 2 * dd, ox], -1), np.stack([oy - dd, ox + 1.7 * dd], -1),
                   np.stack([oy - dd, ox - 1.7 * dd], -1)], 1)
    es = mapped(ei)
    n = len(oy)
    active = np.ones(n, dtype=bool)
    steps = np.zeros(n, dtype=int)
    # per corner case k (β_s beyond the inner edge facing vertex k): the two edge tests, in Lenstool's
    # order, and the vertex moved when the second one fails (case 2 repeats its first test, as Lenstool)
    first, second, second_move = np.array([2, 2, 0]), np.array([1, 0, 0]), np.array([1, 0, 1])
    rows = np.arange(n)
    while active.any():
        ii = 0.5 * (ei[:, [1, 2, 0]] + ei[:, [2, 0, 1]])  # inner triangle: vertex k faces E's vertex k
        is_ = mapped(ii)
        s = np.stack([_opposite(is_, p, j) for j in range(3)], -1)
        inside = (s >= 0).all(-1)
        k = np.where(s[:, 0] < 0, 0, np.where(s[:, 1] < 0, 1, 2))
        ri, rs = ii.copy(), is_.copy()
        ri[rows, k], rs[rows, k] = ei[rows, k], es[rows, k]  # the corner triangle of E at vertex k
        t1 = np.stack([_opposite(rs, p, j) for j in range(3)], -1)
        f, g = t1[rows, first[k]], t1[rows, second[k]]
        ok = (f >= 0) & (g >= 0)
        moved = _grow(_reflect(ri, np.where(f < 0, first[k], second_move[k])), 2.0)
        ri = np.where(ok[:, None, None], _grow(ri, 1.5), moved)
        rs = mapped(ri)
        ai = np.where(inside[:, None, None], ii, ri)
        as_ = np.where(inside[:, None, None], is_, rs)
        ei = np.where(active[:, None, None], ai, ei)
        es = np.where(active[:, None, None], as_, es)
        det = np.abs(_cross(es[:, 0], es[:, 1], es[:, 2]))
        stop = (det < DMIN**2) | (steps > NITMAX)
        steps = np.where(active, steps + 1, steps)
        active &= ~stop
    centre_s = es.mean(axis=1)
    found = np.hypot(*(centre_s - p).T) / amp < FOUND_LIMIT
    centre_i = ei.mean(axis=1)
    return LocalImages(np.where(found, centre_i[:, 0], oy), np.where(found, centre_i[:, 1], ox), found, steps)
