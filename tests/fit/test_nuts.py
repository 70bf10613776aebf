"""NUTS (blackjax) from a mode and its Hessian, on posteriors whose moments are known in closed form,
and the convergence diagnostics (arviz) on draws whose answer is known."""

import numpy as np
import pytest

import clusterfit.physics  # noqa: F401  (float64 JAX, as in every fit)
from clusterfit.fit.nuts import (
    DIVERGENT_Z,
    ESS_MIN,
    Diagnostics,
    diagnose,
    divergent_at,
    sample_nuts,
)

COV = np.array([[1.0, 0.8, 0.0], [0.8, 1.0, -0.5], [0.0, -0.5, 4.0]])  # correlated Gaussian
B, S2 = 0.5, 0.7  # banana: x1 ~ N(0, 1), x2 | x1 ~ N(B (x1² − 1), S2²)


def _gaussian(x):
    return -0.5 * x @ np.linalg.inv(COV) @ x


def _banana(x, b=B, s2=S2):
    return -0.5 * x[0] ** 2 - 0.5 * ((x[1] - b * (x[0] ** 2 - 1)) / s2) ** 2


@pytest.fixture(scope="module")
def gaussian():
    mean = np.array([1.0, -2.0, 0.5])
    # started at the mode with a deliberately wrong (diagonal, 3× too wide) mass matrix
    return mean, sample_nuts(lambda x: _gaussian(x - mean), mean, np.diag(np.diag(COV)) * 3.0,
                             n_chains=4, n_warmup=300, n_draws=1000, seed=3)


@pytest.fixture(scope="module")
def banana():
    # the mode (0, −B) and the Hessian there, diag(1, 1/S2²): too narrow in x2 (true variance
    # S2² + 2B² = 0.99, Hessian's 0.49), which the adaptation has to correct
    return sample_nuts(_banana, np.array([0.0, -B]), np.diag([1.0, S2**2]), n_chains=4, n_warmup=500,
                       n_draws=1500, seed=5, target_accept=0.9)


def test_correlated_gaussian_moments(gaussian):
    mean, chains = gaussian
    x = chains.positions.reshape(-1, 3)
    sd = np.sqrt(np.diag(COV))
    assert np.all(np.abs(x.mean(0) - mean) / sd < 0.1), x.mean(0)  # ~5 Monte Carlo errors
    assert np.all(np.abs(np.cov(x.T) - COV) < 0.1 * np.outer(sd, sd)), np.cov(x.T)
    corr = np.corrcoef(x.T)
    assert abs(corr[0, 1] - 0.8) < 0.05 and abs(corr[1, 2] - (-0.25)) < 0.06


def test_correlated_gaussian_diagnostics(gaussian):
    _, chains = gaussian
    d = chains.diagnostics
    assert d.converged, d.problems(["a", "b", "c"])
    assert np.all(d.r_hat < 1.01) and np.all(d.ess_bulk > ESS_MIN) and np.all(d.ess_tail > ESS_MIN)
    assert 0.6 < d.acceptance < 0.98 and d.divergences == 0
    assert chains.positions.shape == (4, 1000, 3) and chains.n_grad > 4 * 1000


def test_banana_moments(banana):
    x = banana.positions.reshape(-1, 2)
    # E x1 = 0, E x2 = B (E x1² − 1) = 0; Var x1 = 1, Var x2 = S2² + 2B², Cov = B E x1³ = 0
    assert abs(x[:, 0].mean()) < 0.1 and abs(x[:, 1].mean()) < 0.1, x.mean(0)
    c = np.cov(x.T)
    var2 = S2**2 + 2 * B**2
    assert abs(c[0, 0] - 1.0) < 0.15 and abs(c[1, 1] - var2) / var2 < 0.15, c
    assert abs(c[0, 1]) < 0.1, c
    # the curved shape itself: E[x2 | x1] = B (x1² − 1)
    slope = np.polyfit(x[:, 0] ** 2 - 1, x[:, 1], 1)[0]
    assert abs(slope - B) < 0.1, slope
    d = banana.diagnostics
    assert np.all(d.r_hat < 1.01) and np.all(d.ess_bulk > ESS_MIN) and np.all(d.ess_tail > ESS_MIN)
    # the chains' shared step size meets the target (0.9) on the draws' mean acceptance: measured 0.87–0.91
    # over seeds 5–8, with 3–11 divergent transitions of 6,000 at the banana's sharp tips (per-chain
    # warm-up overshot to 0.95–0.97 and had 0–1)
    assert abs(d.acceptance - 0.9) < 0.04, d.acceptance
    assert d.divergences <= 0.005 * 6000


def test_a_banana_too_sharp_is_reported():
    """B = 1, S2 = 0.5 (x2's variance 2.25, four times the Hessian's width at the mode, and a curvature
    the step size cannot follow at the tips): the run must not call itself converged."""
    chains = sample_nuts(lambda x: _banana(x, 1.0, 0.5), np.array([0.0, -1.0]), np.diag([1.0, 0.25]),
                         n_chains=4, n_warmup=300, n_draws=500, seed=6)
    d = chains.diagnostics
    assert not d.converged and d.divergences > 0
    assert any("divergent" in p for p in d.problems(["x1", "x2"]))


def test_diagnostics_on_known_draws():
    """Independent draws: R̂ ≈ 1 and ESS ≈ the number of draws; chains centred apart: R̂ fails and the
    report names the parameter; a sticky chain (AR(1), ρ = 0.95): ESS ≈ N (1 − ρ)/(1 + ρ)."""
    rng = np.random.default_rng(0)
    iid = rng.standard_normal((4, 1000, 2))
    r, bulk, tail = diagnose(iid)
    assert np.all(np.abs(r - 1) < 0.01) and np.all(np.abs(bulk / 4000 - 1) < 0.3)
    assert np.all(tail > 0.6 * 4000)
    apart = iid + np.array([0, 0, 0, 3.0])[:, None, None] * np.array([1.0, 0.0])
    r, _, _ = diagnose(apart)
    assert r[0] > 1.1 and r[1] < 1.01
    ar = np.zeros((4, 4000))
    for t in range(1, 4000):
        ar[:, t] = 0.95 * ar[:, t - 1] + rng.standard_normal(4)
    _, bulk, _ = diagnose(ar[:, :, None])
    assert 0.6 < bulk[0] / (16000 * 0.05 / 1.95) < 1.5


def test_unconverged_chains_are_named(gaussian):
    from dataclasses import replace

    _, chains = gaussian
    bad = replace(chains.diagnostics, r_hat=np.array([1.0, 1.2, 1.0]), ess_bulk=np.array([50, 900, 900.0]))
    assert not bad.converged
    problems = bad.problems(["a", "b", "c"])
    assert any("split-R̂" in p and "b" in p for p in problems)
    assert any("bulk ESS" in p and "worst a" in p for p in problems)


def test_mass_matrix_from_a_hessian_with_flat_and_negative_directions():
    """A Hessian with a flat (0) and a negative eigenvalue, as central differences give where the
    likelihood does not constrain a direction or the MAP is a saddle: the mass matrix is still
    symmetric positive definite, keeps the constrained directions' widths and gives the others the
    width 1/√floor instead of an infinite or imaginary one."""
    from clusterfit.fit.nuts import positive_definite_inverse

    rng = np.random.default_rng(2)
    rotation, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    curvature = np.array([2.5e4, 9.0, 0.0, -3.0])  # stiff, ordinary, flat, negative
    h = rotation @ np.diag(curvature) @ rotation.T
    h[0, 1] += 1e-9  # the asymmetry of finite differences
    inverse = positive_definite_inverse(h, floor=1e-2)
    np.testing.assert_allclose(inverse, inverse.T)
    widths2 = np.diag(rotation.T @ inverse @ rotation)
    np.testing.assert_allclose(widths2, [1 / 2.5e4, 1 / 9.0, 100.0, 100.0], rtol=1e-6)
    np.linalg.cholesky(inverse)  # positive definite: what sample_nuts needs for its starts
    h_nan = h.copy()
    h_nan[2, 3] = h_nan[3, 2] = np.nan  # a gradient that failed: that entry only is dropped
    assert np.all(np.isfinite(positive_definite_inverse(h_nan)))


def test_sampling_stops_once_enough():
    """``enough`` ends the draws after the chunk where it first says so: n_draws is a ceiling."""
    asked = []

    def enough(w):
        asked.append(w.shape)
        return w.shape[1] >= 200

    chains = sample_nuts(lambda x: _gaussian(x), np.zeros(3), COV, n_chains=2, n_warmup=100, n_draws=1000,
                         seed=4, enough=enough)
    assert chains.positions.shape == (2, 200, 3)
    assert asked == [(2, 100, 3), (2, 200, 3)]


def test_a_saturated_tree_is_reported(gaussian):
    from dataclasses import replace

    from clusterfit.fit.nuts import MAX_DOUBLINGS

    _, chains = gaussian
    assert chains.diagnostics.saturated == 0.0  # a Gaussian from a fair mass matrix: a few steps per draw
    assert chains.diagnostics.mean_steps < 2**MAX_DOUBLINGS - 1
    bad = replace(chains.diagnostics, saturated=0.2)
    assert bad.converged  # a warning on efficiency, not on the draws (R̂ and ESS judge those)
    assert any("tree depth cap" in p for p in bad.problems(["a", "b", "c"]))


def test_a_rough_likelihood_is_reported_and_replaced_before_sampling():
    """``rough`` is asked about draws of the Laplace approximation around the mode, before the chains
    start; its lines are printed, and a χ² it returns is what the chains sample (here one centred at 3
    instead of 0, so the draws show which was sampled); the ``settled`` check it returns reaches the
    warm-up (traced into its step-size statistic)."""
    from rich.console import Console

    from clusterfit.fit.nuts import nuts_posterior
    from clusterfit.fit.search import SearchConfig
    from clusterfit.model.priors import PriorVector

    priors = PriorVector(kind=np.zeros(2, int), lower=np.full(2, -10.0), upper=np.full(2, 10.0),
                         mean=np.zeros(2), sigma=np.ones(2), names=("a", "b"))
    config = SearchConfig(n_chains=2, n_warmup=100, n_draws=100)
    asked, traced = [], []

    def settled(t):
        traced.append(t.shape)
        return t[0] < 100.0

    def rough(thetas):
        asked.append(thetas)
        if len(asked) == 1:
            return ["point_4 image 3 at (y, x) = (1.00, 2.00)″: unsettled"], lambda t: ((t - 3.0) ** 2).sum(), None
        return [], None, settled

    means = []
    for expect in (True, False):
        console = Console(record=True, width=200)
        result = nuts_posterior(lambda t: np.zeros(len(t)), lambda t: (t**2).sum(), priors, np.zeros(2), config,
                                console=console, rough=rough)
        assert ("warning: point_4 image 3" in console.export_text()) == expect
        means.append(result.samples.mean(axis=0))
    np.testing.assert_allclose(means[0], 3.0, atol=0.4)  # the replacement was sampled
    np.testing.assert_allclose(means[1], 0.0, atol=0.4)  # the target itself
    assert traced and all(shape == (2,) for shape in traced)  # asked per chain, in θ
    thetas = asked[0]
    assert thetas.shape == (256, 2) and np.all(np.abs(thetas) < 10)
    assert 0.7 < thetas.std(axis=0).mean() < 1.3  # the Laplace width (χ² = |θ|²: σ = 1)


def _funnel(x):
    """Neal's funnel: v ~ N(0, 3²), x_i | v ~ N(0, e^v); divergences sit at low v (Stan's manual)."""
    import jax.numpy as jnp

    v, rest = x[0], x[1:]
    return -v**2 / 18.0 - 0.5 * jnp.sum(rest**2) * jnp.exp(-v) - 0.5 * rest.size * v


def test_divergences_in_a_funnel_are_located_at_its_neck():
    chains = sample_nuts(_funnel, np.zeros(5), np.eye(5), n_chains=4, n_warmup=300, n_draws=500, seed=4)
    d = chains.diagnostics
    assert d.divergences >= 10 and d.divergent_at is not None
    assert d.divergent_at.z[0] < -DIVERGENT_Z and np.all(np.abs(d.divergent_at.z[1:]) < DIVERGENT_Z), d.divergent_at
    line = next(p for p in d.problems(["v", "a", "b", "c", "e"]) if "divergent" in p)
    assert "(at low v: the median draw after them lies at its" in line, line


def test_divergences_are_located_only_when_they_stand_apart():
    from dataclasses import replace

    rng = np.random.default_rng(1)
    draws = rng.standard_normal((4, 1000, 2))
    flags = rng.random((4, 1000)) < 0.01  # ~40 at random: in no tail
    at = divergent_at(draws, flags)
    assert np.all(np.abs(at.z) < 3) and np.all(np.abs(at.median_quantile - 0.5) < 0.15), at
    high = draws[..., 1] > np.quantile(draws[..., 1], 0.97)  # the top 3 % of the second parameter
    at = divergent_at(draws, high)
    assert at.median_quantile[1] > 0.97 and at.z[1] > DIVERGENT_Z and abs(at.z[0]) < 3, at
    assert divergent_at(draws, np.zeros((4, 1000), bool) | (np.arange(1000) < 2)) is None  # 8 < 10
    base = Diagnostics(np.ones(2), np.full(2, 900.0), np.full(2, 900.0), 0.9, 120, 0.1, 10.0)
    line = replace(base, divergent_at=divergent_at(draws, high)).problems(["a", "b"])[0]
    assert "120 divergent transitions (at high b: the median draw after them lies at its 98 % quantile)" in line
    line = replace(base, divergent_at=divergent_at(draws, flags)).problems(["a", "b"])[0]
    assert "120 divergent transitions, in no one parameter's tail (" in line, line
    assert base.problems(["a", "b"])[0].startswith("120 divergent transitions: the posterior has regions")
