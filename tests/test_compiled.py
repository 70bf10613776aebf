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
