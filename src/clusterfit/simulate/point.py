"""``point_datasets.csv`` from ``point.csv``: every image of every point source, with noise.

For each row of ``point.csv`` (source centre β on its galaxy's redshift plane) the image solver finds
all images; fluxes come from ``PointFlux`` × |μ|; time delays (days) from arrival times relative to the
first image; positions get Gaussian noise of ``positions_noise`` (arcsec) per axis, seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import ComposedModel
from ..physics.solver import Images, SolverConfig, make_image_solver
from ..tables import ClusterModel, PointImage, Source

__all__ = ["PointNoise", "solve_point_sources", "simulate_point_datasets"]


@dataclass(frozen=True)
class PointNoise:
    """Noise of simulated point datasets. ``positions_noise`` in arcsec (1σ per axis); fractional
    ``flux_noise``; ``time_delay_noise`` in days. ``add=False`` writes exact values, keeping the noise
    columns (so a fit knows the intended uncertainty)."""

    positions_noise: float = 0.05
    flux_noise: float = 0.05
    time_delay_noise: float = 1.0
    add: bool = True


def solve_point_sources(composed: ComposedModel, theta=None,
                        config: SolverConfig | None = None) -> dict[str, tuple[float, Images]]:
    """Images of every ``point.csv`` source: ``{attr_name: (redshift, Images)}``.

    Sources on one plane are solved in one request and all planes in one
    :meth:`~clusterfit.physics.solver.ImageSolver.solve_planes` call (with one lens plane the level-0
    tiling is ray-traced once for every source plane). Free (empty) source centres take θ's values.
    """
    theta = composed.vector_from_tables() if theta is None else theta
    composed = composed.at(theta)  # free source redshifts: the planes at θ's values
    model = composed.with_vector(theta)
    params = composed.group_params(theta)
    solver = make_image_solver(composed.tracer, config)
    by_plane: dict[int, list] = {}
    for row in model.point:
        by_plane.setdefault(composed.source_planes[row.attr_name], []).append(row)
    requests = [(np.array([r.values["y"] for r in rows]), np.array([r.values["x"] for r in rows]), plane)
                for plane, rows in by_plane.items()]
    out: dict[str, tuple[float, Images]] = {}
    for (plane, rows), solved in zip(by_plane.items(), solver.solve_planes(params, requests), strict=True):
        for row, images in zip(rows, solved, strict=True):
            out[row.attr_name] = (composed.layout.plane_redshifts[plane], images)
    return {r.attr_name: out[r.attr_name] for r in model.point}


def simulate_point_datasets(
    composed: ComposedModel,
    noise: PointNoise = PointNoise(),
    seed: int | None = None,
    time_delays: bool = False,
    config: SolverConfig | None = None,
) -> tuple[PointImage, ...]:
    """The rows of ``point_datasets.csv`` for the model's point sources (PyAutoLens's layout)."""
    rng = np.random.default_rng(seed)
    theta = composed.vector_from_tables()
    model: ClusterModel = composed.with_vector(theta)
    solved = solve_point_sources(composed, theta, config)
    params = composed.group_params(theta)
    rows = {r.attr_name: r for r in model.point}
    out: list[PointImage] = []
    for name, (z, im) in solved.items():
        n = len(im.y)
        if n == 0:
            continue
        y, x = im.y.copy(), im.x.copy()
        if noise.add:
            y += rng.normal(0.0, noise.positions_noise, n)
            x += rng.normal(0.0, noise.positions_noise, n)
        flux = flux_noise = None
        intrinsic = rows[name].values.get("flux")
        if intrinsic is not None:
            flux = intrinsic * np.abs(im.magnification)
            flux_noise = noise.flux_noise * flux
            if noise.add:
                flux = flux + rng.normal(0.0, 1.0, n) * flux_noise
        delay = delay_noise = None
        if time_delays:
            plane = composed.source_planes[name]
            t = np.asarray(composed.tracer.arrival_time(
                params, im.y, im.x, plane, np.full(n, rows[name].values["y"]),
                np.full(n, rows[name].values["x"])))
            delay = t - t[0]
            delay_noise = np.full(n, noise.time_delay_noise)
            if noise.add:
                delay = delay + rng.normal(0.0, noise.time_delay_noise, n)
                delay[0] = 0.0
        for i in range(n):
            out.append(PointImage(
                name, float(y[i]), float(x[i]), float(noise.positions_noise),
                None if flux is None else float(flux[i]),
                None if flux_noise is None else float(flux_noise[i]),
                None if delay is None else float(delay[i]),
                None if delay_noise is None else float(delay_noise[i]),
                float(z), Source("point_datasets.csv", None)))
    return tuple(out)
