"""clusterfit.compiled: a kernel is built once per owner and freed with it."""

import gc
import weakref
from dataclasses import dataclass

import jax
import numpy as np
import pytest

from clusterfit.compiled import compiled, compiled_keys


@dataclass(frozen=True)
class _Owner:
    scale: float

    def f(self, x):
        return self.scale * x


def test_built_once_per_owner_and_key():
    builds = []

    def build(owner):
        builds.append(owner)
        return jax.jit(owner.f)

    a, b = _Owner(2.0), _Owner(2.0)  # equal but distinct: each owns its kernels
    ka = compiled(a, "f", lambda: build(a))
    assert compiled(a, "f", lambda: build(a)) is ka
    assert compiled(b, "f", lambda: build(b)) is not ka
    assert compiled(a, ("f", 2), lambda: build(a)) is not ka
    assert builds == [a, b, a]
    assert compiled_keys(a) == ["f", ("f", 2)]
    assert a == b and a.__dict__ is not b.__dict__  # the store is no dataclass field
    np.testing.assert_allclose(ka(np.arange(3.0)), [0.0, 2.0, 4.0])


def _compiled_f(owner):
    return compiled(owner, "f", lambda: jax.jit(owner.f))  # refers back to its owner: a cycle


def test_kernels_are_freed_with_their_owner():
    owner = _Owner(3.0)
    kernel = _compiled_f(owner)
    kernel(np.ones(2))
    dead_owner, dead_kernel = weakref.ref(owner), weakref.ref(kernel)
    del owner, kernel
    gc.collect()
    assert dead_owner() is None and dead_kernel() is None


def test_owner_without_a_dict_is_refused():
    with pytest.raises(TypeError, match="no __dict__"):
        compiled(3, "f", lambda: None)


def test_a_models_kernels_are_shared_by_its_solvers_and_freed_with_it():
    """The solver, the critical curves and the fields keep their kernels on the model (or its tracer):
    a second solver of the same tracer compiles nothing, and dropping the model frees all of them."""
    from clusterfit import example_folder, load_model
    from clusterfit.fit.plots import critical_curves
    from clusterfit.model import compose
    from clusterfit.physics.solver import make_image_solver
    from clusterfit.products.fields import evaluate_fields, field_evaluator

    composed = compose(load_model(example_folder()))
    theta = composed.vector_from_tables()
    params = composed.group_params(theta)
    solver = make_image_solver(composed.tracer)
    y, x = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    first = solver._map(params, y, x, 1)
    other = solver.with_config(levels=2)
    np.testing.assert_array_equal(other._map(params, y, x, 1), first)
    critical_curves(composed, theta, 1, extent=10.0, pixel_scale=1.0, refine=1)
    assert field_evaluator(composed, 2.0) is field_evaluator(composed, 2.0)
    evaluate_fields(field_evaluator(composed, 2.0), theta, y, x)
    some = field_evaluator(composed, 2.0, ("kappa", "gamma"))  # a subset of the fields: its own kernel
    assert some.names == ("kappa", "gamma") and some is field_evaluator(composed, 2.0, ("kappa", "gamma"))
    np.testing.assert_allclose(evaluate_fields(some, theta, y, x)["gamma"],
                               evaluate_fields(field_evaluator(composed, 2.0), theta, y, x)["gamma"], rtol=1e-12)
    assert compiled_keys(composed.tracer) == ["ray_trace", "critical_curves"]
    assert compiled_keys(composed) == [("fields", 2.0, None), ("fields", 2.0, ("kappa", "gamma"))]
    model, tracer = weakref.ref(composed), weakref.ref(composed.tracer)
    del composed, solver, other, params, some
    gc.collect()
    assert model() is None and tracer() is None
