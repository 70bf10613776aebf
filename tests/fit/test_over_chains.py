"""The rule for running over chains: the same outputs as vmap, and on a CPU one chain after another (each
chain's loop runs its own number of iterations, not the longest chain's)."""

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.fit.over_chains import map_over_chains


def _halvings(x, scale):  # a loop whose length depends on the chain (as a NUTS tree's depth does)
    return jax.lax.while_loop(lambda c: c[0] > 1.0, lambda c: (c[0] / 2.0, c[1] + 1), (x * scale, 0))[1]


def test_the_same_as_vmap_and_one_chain_after_another_on_a_cpu():
    x = jnp.asarray([1.5, 40.0, 3.0, 1000.0])
    scale = jnp.asarray([1.0, 2.0, 1.0, 0.5])
    f = map_over_chains(_halvings)
    np.testing.assert_array_equal(jax.jit(f)(x, scale), jax.vmap(_halvings)(x, scale))
    np.testing.assert_array_equal(f(x, scale), [1, 7, 2, 9])
    primitives = {e.primitive.name for e in jax.make_jaxpr(f)(x, scale).jaxpr.eqns}
    assert jax.default_backend() != "cpu" or primitives == {"scan"}, primitives  # lax.map: a scan over chains
