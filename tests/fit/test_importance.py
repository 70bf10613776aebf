"""The importance sampler (:mod:`clusterfit.fit.importance`) against closed forms.

The posterior: a correlated Gaussian likelihood in (a, b) under a Uniform(−5, 5)² prior, times a Gaussian
likelihood in c under a Gaussian prior. Its evidence and its mean and covariance are known exactly
(the Uniform box truncates the likelihood at more than 8 σ, which changes them by < 1e-14):

    Z = (2π)^(d/2) |Σ_ab|^½ / 10² × √(2π σ_L²) N(μ_c; m, σ_L² + s²)
    posterior (a, b) ~ N(μ_ab, Σ_ab);  c ~ N((μ_c/σ_L² + m/s²)/P, 1/P),  P = 1/σ_L² + 1/s².
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import expit, logsumexp
from scipy.stats import multivariate_t, norm

from clusterfit.fit.importance import (
    _ess,
    _mixture_log_weights,
    _tempered,
    laplace_importance,
)
from clusterfit.model.priors import PriorVector

jax.config.update("jax_enable_x64", True)

PRIORS = PriorVector(kind=np.array([0, 0, 2]), lower=np.array([-5.0, -5.0, -np.inf]),
                     upper=np.array([5.0, 5.0, np.inf]), mean=np.array([0.0, 0.0, 1.0]),
                     sigma=np.array([1.0, 1.0, 2.0]), names=("a", "b", "c"))
MU = np.array([0.5, -1.0, 1.5])  # the likelihood's centre
COV = np.array([[0.2, 0.1, 0.0], [0.1, 0.3, 0.0], [0.0, 0.0, 0.5]])  # and covariance
INV = np.linalg.inv(COV)


def log_likelihood(thetas):
    """Batched log L = −χ²/2 (unnormalised), (k, 3) → (k,)."""
    d = np.atleast_2d(thetas) - MU
    return -0.5 * np.einsum("ki,ij,kj->k", d, INV, d)


def chi2(theta):
    d = theta - jnp.asarray(MU)
    return d @ jnp.asarray(INV) @ d


def exact():
    """(log Z, posterior mean, posterior covariance) in closed form."""
    m, s2, l2 = PRIORS.mean[2], PRIORS.sigma[2] ** 2, COV[2, 2]
    log_z_ab = np.log(2 * np.pi) + 0.5 * np.log(np.linalg.det(COV[:2, :2])) - 2 * np.log(10.0)
    log_z_c = 0.5 * np.log(2 * np.pi * l2) + norm.logpdf(MU[2], m, np.sqrt(l2 + s2))
    precision = 1 / l2 + 1 / s2
    mean = np.array([MU[0], MU[1], (MU[2] / l2 + m / s2) / precision])
    cov = COV.copy()
    cov[2, 2] = 1 / precision
    return log_z_ab + log_z_c, mean, cov


@pytest.fixture(scope="module")
def sampled():
    return laplace_importance(log_likelihood, chi2, PRIORS, np.array([0.0, 0.0, 1.0]), n_samples=8000, seed=3)


def test_evidence_is_the_closed_form(sampled):
    log_z, _, _ = exact()
    n = len(sampled.samples)
    # relative standard error of the importance-sampling evidence: √((N/ESS − 1)/N)
    tol = 5 * np.sqrt((n / sampled.ess - 1) / n) + 1e-3
    assert abs(sampled.log_z - log_z) < tol, (sampled.log_z, log_z, tol)


def test_posterior_mean_and_covariance_are_the_closed_form(sampled):
    _, mean, cov = exact()
    w = sampled.weights
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.exp(logsumexp(sampled.log_w)) == pytest.approx(1.0, abs=1e-12)  # normalised log weights
    got = w @ sampled.samples
    d = sampled.samples - got
    got_cov = (d * w[:, None]).T @ d
    se = np.sqrt(np.diag(cov) / sampled.ess)
    assert np.all(np.abs(got - mean) < 5 * se), ((got - mean) / se)
    scale = np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert np.all(np.abs(got_cov - cov) / scale < 0.1), (got_cov, cov)
    # weighted quantiles of c against the exact Gaussian's
    q = sampled.quantiles([0.16, 0.5, 0.84])[:, 2]
    np.testing.assert_allclose(q, norm.ppf([0.16, 0.5, 0.84], mean[2], np.sqrt(cov[2, 2])), atol=0.05)


def test_the_proposal_fits_and_the_best_points_are_the_modes(sampled):
    _, mean, _ = exact()
    assert sampled.ess > 0.5 * len(sampled.samples)  # a Laplace proposal fits a Gaussian posterior
    np.testing.assert_allclose(sampled.best, MU, atol=0.1)  # max log L
    np.testing.assert_allclose(sampled.map, mean, atol=0.1)  # max log L + log prior (c pulled to the prior)
    log_post = sampled.log_l + PRIORS.log_density(sampled.samples)  # both are draws: the best of them
    np.testing.assert_array_equal(sampled.map, sampled.samples[np.argmax(log_post)])
    np.testing.assert_array_equal(sampled.best, sampled.samples[np.argmax(sampled.log_l)])
    np.testing.assert_allclose(sampled.log_l, log_likelihood(sampled.samples))
    assert sampled.names == PRIORS.names


def test_ess_of_known_weights():
    assert _ess(np.zeros(50)) == pytest.approx(50)
    assert _ess(np.log([1.0, 2.0, 3.0])) == pytest.approx(36 / 14)  # (Σw)² / Σw²
    assert _ess(np.log([1.0, 2.0, 3.0]) + 700.0) == pytest.approx(36 / 14)  # unnormalised, no overflow
    assert _ess(np.array([0.0, 0.0, -np.inf, -np.inf])) == pytest.approx(2)
    assert _ess(np.array([-np.inf, -np.inf])) == 0.0
    assert _ess(np.array([0.0, -1000.0, -1000.0])) == pytest.approx(1.0)


def test_tempered_weights_reach_the_wanted_ess_and_keep_the_order():
    rng = np.random.default_rng(0)
    log_w = -0.5 * (rng.normal(size=400) / 0.05) ** 2  # a few draws carry the weight
    log_w[:3] = -np.inf
    assert _ess(log_w) < 60
    out = _tempered(log_w, 60.0)
    assert logsumexp(out) == pytest.approx(0.0, abs=1e-12)
    assert _ess(out) == pytest.approx(60.0, rel=1e-6)
    assert np.all(np.isneginf(out[:3]))
    beta = (out[4] - out[5]) / (log_w[4] - log_w[5])  # out = β log w + const with 0 < β < 1
    assert 0 < beta < 1
    np.testing.assert_allclose(out[3:], beta * log_w[3:] - logsumexp(beta * log_w[3:]), atol=1e-9)
    enough = np.log(np.arange(1.0, 101.0))  # ESS already above the target: the weights, normalised
    np.testing.assert_allclose(_tempered(enough, 20.0), enough - logsumexp(enough), atol=1e-12)


def test_mixture_log_weights_are_target_over_the_mixture():
    rng = np.random.default_rng(1)
    q1 = multivariate_t(loc=[0.0, 0.5], shape=[[1.0, 0.2], [0.2, 0.5]], df=5)
    q2 = multivariate_t(loc=[1.0, -0.5], shape=[[0.3, 0.0], [0.0, 2.0]], df=5)
    w = np.vstack([q1.rvs(30, random_state=rng), q2.rvs(90, random_state=rng)])
    log_l = rng.normal(size=120)
    got = _mixture_log_weights(log_l, w, [q1, q2], [30, 90])
    s = expit(w)  # logistic map u = s(w): du/dw = s (1 − s)
    mixture = 0.25 * q1.pdf(w) + 0.75 * q2.pdf(w)
    np.testing.assert_allclose(got, log_l + np.sum(np.log(s * (1 - s)), axis=1) - np.log(mixture), rtol=1e-10)
    log_l[5] = -np.inf
    assert np.isneginf(_mixture_log_weights(log_l, w, [q1, q2], [30, 90])[5])


def test_mixture_weights_integrate_the_unit_cube():
    """With L = 1 the target in w is the logistic density, whose integral is 1: the weights' mean is 1."""
    rng = np.random.default_rng(2)
    q = multivariate_t(loc=[0.2, -0.3], shape=np.diag([4.0, 3.0]), df=5)
    w = q.rvs(20000, random_state=rng)
    log_w = _mixture_log_weights(np.zeros(len(w)), w, [q], [len(w)])
    assert logsumexp(log_w) - np.log(len(w)) == pytest.approx(0.0, abs=0.02)
