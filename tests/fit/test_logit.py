"""The samplers' coordinates w = logit(u): the log density there and its Laplace approximation,
against closed forms and a brute-force grid."""

import jax
import numpy as np
import pytest
from scipy.special import expit

from clusterfit.fit.logit import LogitTarget, hessian_by_differences, logit_laplace
from clusterfit.model.priors import PriorVector

jax.config.update("jax_enable_x64", True)

# θ₀ ~ Uniform(0, 10) whose likelihood N(−3, 2²) peaks beyond its lower bound (the θ-MAP is the bound,
# as O1's σ at 600 km/s and O7's σ at 0 in A2744), θ₁ ~ Uniform(−5, 5) with an interior peak
PRIORS = PriorVector(kind=np.array([0, 0]), lower=np.array([0.0, -5.0]), upper=np.array([10.0, 5.0]),
                     mean=np.zeros(2), sigma=np.ones(2), names=("a", "b"))
CENTRE, WIDTH = np.array([-3.0, 1.0]), np.array([2.0, 0.5])


def _chi2(theta):
    return (((theta - CENTRE) / WIDTH) ** 2).sum()


def _log_density_1d(w, k):
    """log density in w of coordinate k alone (the two factorise): −χ²/2 + log u(1 − u), numpy."""
    u = expit(w)
    theta = PRIORS.lower[k] + u * (PRIORS.upper[k] - PRIORS.lower[k])
    return -0.5 * ((theta - CENTRE[k]) / WIDTH[k]) ** 2 + np.log(u) + np.log1p(-u)


def test_hessian_by_differences_of_a_quadratic_is_exact():
    a = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 4.0]])
    h = hessian_by_differences(lambda x: a @ x + np.array([1.0, 2.0, 3.0]), np.array([0.3, -0.1, 2.0]),
                               np.array([1e-3, 1e-2, 1e-1]))
    np.testing.assert_allclose(h, a, rtol=1e-10)


def test_log_target_is_the_closed_form():
    target = LogitTarget(_chi2, PRIORS)
    w = np.array([-1.3, 0.4])
    assert float(target(w)) == pytest.approx(_log_density_1d(w[0], 0) + _log_density_1d(w[1], 1), rel=1e-12)


def test_laplace_of_a_parameter_whose_map_is_on_its_bound():
    """Started from the θ-MAP on the bound (u clipped to 10⁻⁹, w = −20.7, where the log density in w has
    curvature ~10⁻⁹: no width for a mass matrix), the mode is the density's own maximum in w and the
    Hessian its curvature there — both checked on a fine grid of the closed form."""
    target = LogitTarget(_chi2, PRIORS)
    u_map = np.array([1e-9, PRIORS.to_unit(CENTRE)[1]])
    mode, hessian, n_grad = logit_laplace(lambda w: -target(w), np.log(u_map / (1 - u_map)))
    assert n_grad > 0
    grid = np.linspace(-12, 12, 240_001)
    for k in range(2):
        log_p = _log_density_1d(grid, k)
        i = int(np.argmax(log_p))
        assert mode[k] == pytest.approx(grid[i], abs=2e-4)
        h = grid[1] - grid[0]
        curvature = -(log_p[i + 1] - 2 * log_p[i] + log_p[i - 1]) / h**2
        assert hessian[k, k] == pytest.approx(curvature, rel=1e-3)
    assert -12 < mode[0] < -1  # inside, a few units out: a width NUTS can use
    assert abs(hessian[0, 1]) < 1e-6 and hessian[0, 0] > 0.05
    at_map = hessian_by_differences(jax.grad(lambda w: -target(w)), np.log(u_map / (1 - u_map)), np.full(2, 1e-4))
    assert at_map[0, 0] < 1e-6  # what the mass matrix was before: flat


@pytest.mark.parametrize("bounds", [None, (None, 6.9)])
def test_a_mode_search_that_stops_at_a_cliff_is_followed_by_the_next_start(bounds, monkeypatch):
    """Where the image-plane χ² jumps (an image's Newton counterpart changes) its gradient does not see the
    jump, and L-BFGS stops there with a large gradient, far from the mode. Here the gradient points the
    wrong way below w = −8 (as the gradient beside a jump does): from w = −20.7 (a θ-MAP on a prior bound)
    the search stops at once; a start clipped to |w| ≤ 6.9 finds the mode at 0 — first (the default order)
    or after the search from the start as given has stopped (``bounds``)."""
    import jax
    import jax.numpy as jnp
    from scipy.optimize import minimize

    from clusterfit.fit import logit
    from clusterfit.fit.logit import MODE_GRADIENT_TOL, START_BOUNDS, logit_laplace

    if bounds is not None:
        monkeypatch.setattr(logit, "START_BOUNDS", bounds)

    @jax.custom_jvp
    def bowl(w):
        return 5.0 * jnp.sum(jnp.logaddexp(w, -w))

    @bowl.defjvp
    def _(primals, tangents):
        (w,), (dw,) = primals, tangents
        slope = 5.0 * jnp.tanh(w) * jnp.where(w < -8.0, -1.0, 1.0)  # below −8: the wrong sign
        return bowl(w), jnp.sum(slope * dw)

    start = np.array([-20.7, 1.0])
    f = jax.jit(jax.value_and_grad(bowl))
    stuck = minimize(lambda w: (float(f(w)[0]), np.asarray(f(w)[1], float)), start, jac=True, method="L-BFGS-B")
    assert np.max(np.abs(stuck.jac)) > MODE_GRADIENT_TOL and stuck.x[0] < -8  # the premise
    assert START_BOUNDS[0] < 8
    mode, hessian, _ = logit_laplace(bowl, start)
    np.testing.assert_allclose(mode, 0.0, atol=1e-4)
    np.testing.assert_allclose(hessian, 5.0 * np.eye(2), rtol=1e-3)  # 5 × d²/dw² log(2 cosh w) at 0
