"""The jitted image-plane χ² (Newton from each observed image) against the image solver's full solve."""

import jax
import numpy as np
import pytest

from clusterfit import example_folder
from clusterfit.fit.evaluate import evaluate_model
from clusterfit.fit.likelihood import point_data
from clusterfit.fit.local_images import make_image_log_likelihood, make_local_image_chi2
from clusterfit.fit.run import prepare

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from clusterfit.simulate import simulate

    return simulate(example_folder(), tmp_path_factory.mktemp("local") / "dataset", seed=3)


def test_newton_images_are_the_solver_images(dataset):
    """At a θ away from the truth, each observed image's Newton counterpart is the predicted image the
    solver pairs with it, and χ² is the evaluation's image-plane χ² (same source, β̂ of the linearised
    χ²)."""
    composed = prepare(dataset)
    data = point_data(composed)
    theta = composed.vector_from_tables() * 1.01
    chi2, py, px, next_step = jax.jit(make_local_image_chi2(composed, data, n_newton=6))(theta)
    _, qy, qx, _ = jax.jit(make_local_image_chi2(composed, data, n_newton=7))(theta)
    # next_step: how far one more Newton step moves each predicted image (the settle check's measure)
    np.testing.assert_allclose(next_step, np.hypot(qy - py, qx - px), rtol=1e-6, atol=1e-12)
    ev = evaluate_model(composed, theta)
    assert ev.n_missing == 0
    paired = []
    for s, name in zip(ev.systems, data.names, strict=True):
        pred = np.array(s.predicted)[:, :2]
        sel = data.system == data.names.index(name)
        for y, x in zip(np.asarray(py)[sel], np.asarray(px)[sel], strict=True):
            paired.append(np.min(np.hypot(pred[:, 0] - y, pred[:, 1] - x)))
    assert max(paired) < 1e-6, max(paired)
    assert float(chi2) == pytest.approx(ev.chi2, rel=1e-6)


def test_batched_log_likelihood_matches_single(dataset):
    composed = prepare(dataset)
    data = point_data(composed)
    truth = composed.vector_from_tables()
    thetas = truth * (1 + 0.002 * np.arange(5))[:, None]
    log_l = make_image_log_likelihood(composed, data, n_newton=4)(thetas)
    chi2 = jax.jit(make_local_image_chi2(composed, data, n_newton=4))
    np.testing.assert_allclose(log_l, [-0.5 * float(chi2(t)[0]) for t in thetas], rtol=1e-10)
    assert np.argmax(log_l) == 0  # the truth fits best


def test_gradient_finite_once_newton_has_converged(dataset):
    """Run to convergence, a Newton step is exactly 0; its length must not enter the gradient as √0
    (that NaN, under jit only, stalled the laplace search's mode and Hessian on AS1063)."""
    composed = prepare(dataset)
    data = point_data(composed)
    chi2 = make_local_image_chi2(composed, data, n_newton=30)
    gradient = jax.jit(jax.grad(lambda t: chi2(t)[0]))(composed.vector_from_tables() * 1.01)
    assert np.all(np.isfinite(np.asarray(gradient)))


@pytest.mark.parametrize("fixed_jacobian", [False, True])
def test_implicit_gradient_is_the_derivative_of_chi2(dataset, fixed_jacobian):
    """Only the last Newton step is differentiated (implicit function theorem, module docstring), and for
    NUTS not even its Jacobian: once the iteration has converged either must be the derivative of χ²
    itself, checked against central differences of χ²'s value in every free parameter."""
    composed = prepare(dataset)
    data = point_data(composed)
    chi2 = jax.jit(lambda t: make_local_image_chi2(composed, data, n_newton=8, fixed_jacobian=fixed_jacobian)(t)[0])
    theta = composed.vector_from_tables() * 1.01
    gradient = np.asarray(jax.grad(chi2)(theta))
    step = 1e-5 * np.maximum(np.abs(theta), 1.0)
    numeric = np.array([(float(chi2(theta + e)) - float(chi2(theta - e))) / (2 * e[i])
                        for i, e in enumerate(np.diag(step))])
    assert float(chi2(theta)) > 10  # away from the best fit: the gradient is not ≈ 0
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-6 * np.abs(numeric).max())


def test_unsettled_images_are_named(dataset):
    """Near the truth every image's Newton counterpart is settled after 4 steps; an observed image moved
    15″ from its counterpart is not (the steps are clipped to 1″, so a fifth still moves it) in any
    model, and the warning names its dataset, its row there and its position."""
    from dataclasses import replace

    from clusterfit.fit.local_images import describe_unsettled, unsettled_images

    composed = prepare(dataset)
    data = point_data(composed)
    thetas = composed.vector_from_tables() * (1 + 0.002 * np.arange(6))[:, None]
    assert np.all(unsettled_images(composed, data, thetas) == 0.0)
    assert describe_unsettled(composed, data, thetas) == ((), [])
    k = int(np.flatnonzero(data.system == 1)[1])  # the second image of the second dataset
    moved = replace(data, y=np.where(np.arange(len(data.y)) == k, data.y + 15.0, data.y))
    fraction = unsettled_images(composed, moved, thetas)
    assert fraction[k] == 1.0 and np.all(np.delete(fraction, k) == 0.0)
    index, (line,) = describe_unsettled(composed, moved, thetas)
    assert index == (k,)
    assert line.startswith(f"{data.names[1]} image 2 at (y, x) = ({data.y[k] + 15:.2f}, ")
    assert "100 %" in line
    # where the χ² is smooth: not while the moved image is compared in the image plane, yes once it is
    # linearised (the settle check NUTS's warm-up is given, fit/run.py)
    from clusterfit.fit.local_images import make_settled_check

    assert bool(make_settled_check(composed, data)(thetas[0]))
    assert not bool(make_settled_check(composed, moved)(thetas[0]))
    assert bool(make_settled_check(composed, moved, linearised=(k,))(thetas[0]))


def test_an_image_unsettled_in_a_few_percent_of_models_is_linearised(dataset, monkeypatch):
    """The share that makes an image linearised (``UNSETTLED_SHARE``): A2744's images unsettled in ~5 % of
    the models around the MAP made NUTS diverge when left in the image plane, so 5 % (13 of 256) is
    linearised, while one model in 256 (0.4 %, sampling noise) is not."""
    from clusterfit.fit import local_images

    composed = prepare(dataset)
    data = point_data(composed)
    fraction = np.zeros(len(data.y))
    fraction[[2, 5]] = [13 / 256, 1 / 256]
    monkeypatch.setattr(local_images, "unsettled_images", lambda *a, **k: fraction)
    index, lines = local_images.describe_unsettled(composed, data, np.zeros((256, len(composed.free))))
    assert index == (2,) and "5 %" in lines[0]


def test_linearised_images_are_the_source_plane_terms(dataset):
    """An image linearised (``linearised``) contributes exactly its source-plane χ² term
    |A⁻¹(β − β̂)|²/σ² (likelihood.py's magnification-weighted χ², the same β̂): with every image
    linearised the image-plane χ² is the source-plane χ², value and gradient; with one, the others keep
    their Newton terms."""
    from clusterfit.fit.likelihood import make_source_plane_chi2

    composed = prepare(dataset)
    data = point_data(composed)
    theta = composed.vector_from_tables() * 1.01
    source = jax.jit(lambda t: make_source_plane_chi2(composed, data)(t)[0])
    every = jax.jit(lambda t: make_local_image_chi2(composed, data, linearised=tuple(range(len(data.y))))(t)[0])
    assert float(every(theta)) == pytest.approx(float(source(theta)), rel=1e-10)
    np.testing.assert_allclose(jax.grad(every)(theta), jax.grad(source)(theta), rtol=1e-7, atol=1e-9)
    _, py, px, _ = make_local_image_chi2(composed, data)(theta)
    _, ly, lx, _ = make_local_image_chi2(composed, data, linearised=(3,))(theta)
    np.testing.assert_array_equal(np.delete(np.asarray(ly), 3), np.delete(np.asarray(py), 3))
    assert abs(float(ly[3]) - float(py[3])) + abs(float(lx[3]) - float(px[3])) > 0  # linearised ≠ Newton there
