"""DS9 region files (the plain DS9 format, version 4.1; no extra dependency) of observed and predicted
images and of critical curves and caustics, in ICRS degrees about the folder's ``sky_reference.csv``
(without one, about RA = DEC = 0, as the maps' WCS, with a comment saying so).

* ``images.reg``: observed images (green circles of radius max(3σ, 0.2″), text = system name) and the
  model's predicted images of every ``point.csv`` source (red boxes, text = signed magnification);
* ``critical.reg`` and ``caustics.reg``: the det A = 0 contours of the map at its source redshift
  (polygons when closed, line segments when they leave the map) and the same points ray-traced to
  the source plane (β = θ − α, with α evaluated exactly at each point).

Images and caustics are folder offsets, placed on the sky in the folder's projection; the critical
curves are traced on the map grid, whose frame is the maps' TAN WCS (:mod:`clusterfit.tables.sky`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model import ComposedModel
from ..tables.sky import SkyReference, folder_offsets_of_tan, sky_from_offsets
from .fields import evaluate_fields, field_evaluator

__all__ = ["region_text", "region_files", "contours"]


def _header(reference: SkyReference | None) -> list[str]:
    lines = ["# Region file format: DS9 version 4.1", "# written by clusterfit"]
    if reference is None:
        lines.append("# no sky_reference.csv: RA = DEC = 0 stand in for the model's origin (as in the maps)")
    return lines + ["global color=green width=1 font=\"helvetica 10 normal roman\"", "icrs"]


def _radec(reference: SkyReference | None, y, x) -> tuple[np.ndarray, np.ndarray]:
    """RA/Dec of folder offsets (RA = DEC = 0 stand in for a folder without a reference)."""
    return sky_from_offsets(reference or SkyReference(0.0, 0.0), y, x)


def _tan(reference: SkyReference | None) -> SkyReference:
    """The reference of the maps' TAN frame (the map grid's offsets)."""
    return SkyReference(0.0, 0.0) if reference is None else replace(reference, projection="TAN")


def region_text(reference: SkyReference | None, shapes: list[str]) -> str:
    return "\n".join(_header(reference) + shapes) + "\n"


def _polyline(reference, line: np.ndarray, colour: str) -> list[str]:
    """One contour (n, 2) in (y, x) as a DS9 polygon (closed) or line segments (open)."""
    line = line[np.isfinite(line).all(1)]
    if len(line) < 2:
        return []
    ra, dec = _radec(reference, line[:, 0], line[:, 1])
    closed = np.allclose(line[0], line[-1])
    if closed and len(line) >= 4:
        pts = ",".join(f"{a:.8f},{d:.8f}" for a, d in zip(ra[:-1], dec[:-1], strict=True))
        return [f"polygon({pts}) # color={colour}"]
    return [f"line({ra[i]:.8f},{dec[i]:.8f},{ra[i + 1]:.8f},{dec[i + 1]:.8f}) # color={colour}"
            for i in range(len(ra) - 1)]


def contours(ticks: np.ndarray, det: np.ndarray) -> list[np.ndarray]:
    """det A = 0 contours of a map (rows y, columns x on ``ticks``) as (n, 2) arrays in (y, x); curves
    smaller than 2 pixels (unresolved, e.g. around a singular centre) are left out."""
    import contourpy

    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    lines = contourpy.contour_generator(ticks, ticks, det, line_type="Separate").lines(0.0)
    return [ln[:, ::-1] for ln in lines if len(ln) >= 2 and np.ptp(ln, axis=0).max() >= 2 * step]


def region_files(composed: ComposedModel, theta, maps: dict[str, np.ndarray], grid, z: float
                 ) -> dict[str, bytes]:
    """``{file name: content}`` of the three region files for the model at θ and its maps at ``z``."""
    from ..simulate.point import solve_point_sources

    ref = composed.model.sky_reference
    shapes = []
    for ds in composed.model.point_datasets:
        y = np.array([im.y for im in ds.images])
        x = np.array([im.x for im in ds.images])
        ra, dec = _radec(ref, y, x)
        for a, d, im in zip(ra, dec, ds.images, strict=True):
            r = max(3 * im.positions_noise, 0.2)
            shapes.append(f"circle({a:.8f},{d:.8f},{r:.3f}\") # color=green text={{{ds.name}}}")
    if composed.model.point:
        for name, (_, images) in solve_point_sources(composed, theta).items():
            ra, dec = _radec(ref, images.y, images.x)
            for a, d, mu in zip(ra, dec, images.magnification, strict=True):
                shapes.append(f"box({a:.8f},{d:.8f},0.4\",0.4\",0) # color=red text={{{name} mu={mu:.2f}}}")
    lines = contours(grid.ticks, 1.0 / maps["magnification"])
    crit, caus = [], []
    if lines:
        fy, fx = folder_offsets_of_tan(ref, *np.concatenate(lines).T)  # map frame → folder offsets
        f = evaluate_fields(field_evaluator(composed, z), theta, fy, fx)
        beta = np.stack([fy - f["alpha_y"], fx - f["alpha_x"]], -1)
        start = 0
        for ln in lines:
            crit += _polyline(_tan(ref), ln, "cyan")
            caus += _polyline(ref, beta[start:start + len(ln)], "magenta")
            start += len(ln)
    return {"images.reg": region_text(ref, shapes).encode(),
            "critical.reg": region_text(ref, crit).encode(),
            "caustics.reg": region_text(ref, caus).encode()}
