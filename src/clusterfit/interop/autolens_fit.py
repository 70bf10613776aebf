"""PyAutoLens analyses of a model folder, and how their log-likelihood relates to ours.

Our source-plane log-likelihood (:func:`clusterfit.fit.likelihood.make_log_likelihood`) is the profile
likelihood −χ²/2, with χ² = Σ_i (β_i − β̂)ᵀ W_i (β_i − β̂), W_i = A_i⁻ᵀ A_i⁻¹ / σ_i², and β̂ either the
free source centre or solved, β̂ = (Σ W_i)⁻¹ Σ W_i β_i. PyAutoLens's ``FitPositionsSource`` (free centre)
and ``FitPositionsSourceSolved`` (solved centre; Lombardi 2024, Eq. 58) have the same χ² and add

* a noise normalisation −½ Σ_i log((2π)² σ_i⁴) over every image (a constant), and
* for a solved centre, the marginalisation over a flat source prior, −½ log det(Σ_i W_i / (2π)) per
  source (2 × 2, so det(ΣW)/(2π)²), which depends on the lens parameters through the magnifications.

:func:`autolens_log_likelihood` computes their value from our physics. Measured on the simulated example
(tests/crosscheck/test_bridge_autolens.py): equal to ~1e-10 relative once both sides use the same
radiation constants (PyAutoLens's ``FlatLambdaCDM`` takes Ω_γh² = 2.469e-5, astropy and we 2.4730e-5;
every dPIE folds PyAutoLens's into its normalisation, so ``match_astropy`` cannot remove it: ~3e-6″ at
30″ deflections, 5e-7 relative in a solved-centre χ², 4e-6 with a fixed centre). PyAutoLens's numpy
path takes A from Richardson-extrapolated finite differences (``LensCalc.hessian_from``), ours from
autodiff; near the best fit that is below 1e-9 in χ².
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from .autolens_tracer import _al, autolens_cosmology

if TYPE_CHECKING:  # pragma: no cover
    from ..fit.likelihood import PointData
    from ..model import ComposedModel
    from ..tables import ClusterModel

__all__ = ["to_autolens_analyses", "autolens_log_likelihood", "autolens_likelihood_terms"]


def to_autolens_analyses(model: ClusterModel, composed: ComposedModel | None = None, solver=None,
                         use_jax: bool = False, match_astropy: bool = False) -> list[Any]:
    """One ``al.AnalysisPoint`` per ``point_datasets.csv`` source, positions only (our likelihood
    ignores fluxes and time delays): ``al.FitPositionsSource`` where ``priors.csv`` frees the source
    centre, else ``al.FitPositionsSourceSolved``; the model cosmology (:func:`autolens_cosmology`).
    The default ``solver`` (unused by these source-plane fits, required by ``AnalysisPoint``) covers
    every observed image. Join the analyses with
    ``af.FactorGraphModel(*[af.AnalysisFactor(prior_model=m, analysis=a) for a in analyses])``."""
    al = _al()
    if composed is None:
        from ..model import compose

        composed = compose(model)
    datasets = model.point_datasets
    if solver is None:
        extent = max((abs(v) for d in datasets for p in d.positions for v in p), default=10.0) + 5.0
        n = int(np.ceil(extent / 0.5)) * 2
        solver = al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(n, n), pixel_scales=0.5),
                                         pixel_scale_precision=1e-3, use_jax=use_jax)
    free_points = {fp.attr_name for fp in composed.free if fp.table == "point"}
    cosmology = autolens_cosmology(model, match_astropy)
    out = []
    for ds in datasets:
        z = float(composed.layout.plane_redshifts[composed.plane_of(ds)])
        dataset = al.PointDataset(ds.name, positions=[tuple(p) for p in ds.positions],
                                  positions_noise_map=list(ds.positions_noise), redshift=z)
        fit_cls = al.FitPositionsSource if ds.name in free_points else al.FitPositionsSourceSolved
        out.append(al.AnalysisPoint(dataset=dataset, solver=solver, fit_positions_cls=fit_cls,
                                    cosmology=cosmology, use_jax=use_jax))
    return out


def autolens_likelihood_terms(composed: ComposedModel, theta, data: PointData | None = None
                              ) -> tuple[float, float]:
    """(noise normalisation Σ_i log((2π)² σ_i⁴), Σ over solved sources of −½ log det(Σ_i W_i/(2π)))
    at θ, with our tracer's Jacobians (see the module docstring)."""
    from ..fit.likelihood import point_data

    data = point_data(composed) if data is None else data
    params = composed.group_params(jnp.asarray(theta, dtype=float))
    a = composed.tracer.jacobian(params, jnp.asarray(data.y), jnp.asarray(data.x), jnp.asarray(data.plane))
    det = a.det
    iyy, iyx, ixy, ixx = a.xx / det, -a.yx / det, -a.xy / det, a.yy / det
    inv_var = 1.0 / data.sigma**2
    seg = lambda v: np.asarray(jax.ops.segment_sum(v, data.system, num_segments=data.n_systems))  # noqa: E731
    s_yy = seg((iyy**2 + ixy**2) * inv_var)
    s_xx = seg((iyx**2 + ixx**2) * inv_var)
    s_yx = seg((iyy * iyx + ixy * ixx) * inv_var)
    solved = np.array([f is None for f in data.free_source])
    marginal = -0.5 * np.log((s_yy * s_xx - s_yx**2) / (2.0 * np.pi) ** 2)
    noise = float(np.sum(np.log((2.0 * np.pi) ** 2 * data.sigma**4)))
    return noise, float(np.sum(marginal[solved]))


def autolens_log_likelihood(composed: ComposedModel, theta, data: PointData | None = None) -> float:
    """PyAutoLens's summed log-likelihood (``FitPositionsSource[Solved]``) at θ, from our χ²:
    −½ (χ² + noise normalisation) + the marginalisation terms (:func:`autolens_likelihood_terms`)."""
    from ..fit.likelihood import make_source_plane_chi2, point_data

    data = point_data(composed) if data is None else data
    chi2 = float(make_source_plane_chi2(composed, data)(jnp.asarray(theta, dtype=float))[0])
    noise, marginal = autolens_likelihood_terms(composed, theta, data)
    return -0.5 * (chi2 + noise) + marginal
