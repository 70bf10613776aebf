"""The optimal source (fit/source.py) against a direct least-squares solve of its definition."""

import numpy as np
import pytest

from clusterfit.fit.source import optimal_source, source_precision


def test_optimal_source_minimises_the_linearised_image_plane_chi2():
    rng = np.random.default_rng(1)
    n, system = 7, np.array([0, 0, 0, 1, 1, 1, 1])
    a = np.eye(2) + rng.normal(0, 0.6, (n, 2, 2))  # A_i = ∂β/∂θ, (y, x) order
    by, bx, sigma = rng.normal(0, 1, n), rng.normal(0, 1, n), rng.uniform(0.02, 0.2, n)
    got = optimal_source(by, bx, source_precision(a[:, 0, 0], a[:, 0, 1], a[:, 1, 0], a[:, 1, 1], sigma),
                         system, 2)
    for k in range(2):
        sel = system == k
        # minimise Σ |A_i⁻¹ (β − β_i)|² / σ_i²: stack the rows A_i⁻¹/σ_i
        rows = np.linalg.inv(a[sel]) / sigma[sel, None, None]
        rhs = np.einsum("nij,nj->ni", rows, np.stack([by[sel], bx[sel]], -1))
        beta, *_ = np.linalg.lstsq(rows.reshape(-1, 2), rhs.ravel(), rcond=None)
        assert (float(got.y[k]), float(got.x[k])) == pytest.approx(tuple(beta), rel=1e-9, abs=1e-12)
        s = np.einsum("nji,njk->ik", rows, rows)
        assert [float(got.s_yy[k]), float(got.s_yx[k]), float(got.s_xx[k])] == pytest.approx(
            [s[0, 0], s[0, 1], s[1, 1]], rel=1e-9)
