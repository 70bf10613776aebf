"""PriorVector: the numpy and JAX transforms agree, invert, and have finite gradients everywhere."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import truncnorm

from clusterfit.model import PriorVector

jax.config.update("jax_enable_x64", True)


@pytest.fixture
def priors():
    # a Uniform in km/s whose values overflow exp() (the LogUniform branch), a LogUniform, a truncated
    # Gaussian, an untruncated Gaussian and a Uniform straddling 0 (log|θ| = -inf there)
    return PriorVector(kind=np.array([0, 1, 2, 2, 0]),
                       lower=np.array([600.0, 2.0, 0.0, -np.inf, -1.0]),
                       upper=np.array([1200.0, 100.0, 1.0, np.inf, 1.0]),
                       mean=np.array([0.0, 0.0, 0.2, 3.0, 0.0]),
                       sigma=np.array([1.0, 1.0, 0.5, 2.0, 1.0]),
                       names=("sigma", "r_cut", "e", "y", "x"))


def test_transform_matches_scipy_and_inverts(priors):
    u = np.array([[0.25, 0.5, 0.9, 0.1, 0.5]])
    theta = priors.transform(u)[0]
    assert theta[0] == pytest.approx(750.0)
    assert theta[1] == pytest.approx(np.sqrt(2.0 * 100.0))
    assert theta[2] == pytest.approx(truncnorm.ppf(0.9, (0 - 0.2) / 0.5, (1 - 0.2) / 0.5, 0.2, 0.5))
    assert theta[3] == pytest.approx(3.0 + 2.0 * -1.2815515655446004)
    np.testing.assert_allclose(priors.to_unit(theta), u[0], atol=1e-12)
    np.testing.assert_allclose(np.asarray(priors.transform_jax(jnp.asarray(u[0]))), theta, rtol=1e-12)


def test_jax_gradients_are_finite(priors):
    """A NaN from an unused jnp.where branch (exp(900) = inf, log 0) must not reach the gradient."""
    u = jnp.asarray([0.5, 0.5, 0.5, 0.5, 0.5])
    jac = np.asarray(jax.jacfwd(priors.transform_jax)(u))
    assert np.all(np.isfinite(jac))
    assert jac[0, 0] == pytest.approx(600.0)
    theta = priors.transform_jax(u)
    assert theta[4] == 0.0
    assert np.all(np.isfinite(np.asarray(jax.grad(priors.log_density_jax)(theta))))
