"""Warm-up of several NUTS chains together: one step size and one mass matrix for all of them.

blackjax's ``window_adaptation`` (Stan's scheme) adapts each chain alone. On a cluster posterior that is
not smooth everywhere (A2744: an image beside a member whose counterpart jumps), a chain that meets one
near-total rejection has *its* step size driven to 10⁻⁴ by dual averaging; its trees then reach the depth
cap (255 gradients) at every step for the rest of the warm-up — for every chain when they run in lockstep
(``vmap``), for that chain's share of the time when they run one after another (:mod:`.over_chains`;
benchmarks/README.md, "Why NUTS does not mix on A2744").

Here the chains share their parameters, as in ensemble samplers: dual averaging follows the **median**
of the chains' acceptance rates, and each slow window's mass matrix is the covariance of all chains'
draws (n_chains × the draws one chain has). The median, not the mean: where the density is not smooth,
acceptance is low at any step size, and a mean that such a chain drags below the target drives every
chain's step size down for nothing (A2744, 4 chains, target 0.9: with the mean, every tree at the
255-step cap and 5 s per warm-up step; with the median, ε 0.115, trees of 31–63 steps, 250 warm-up
steps in 318 s). On a smooth posterior the median still meets the target (the draws' mean acceptance
0.87–0.91 at target 0.9 on a banana, tests/fit/test_nuts.py).

A median of 4 still fails when two chains sit where the density is not smooth: A2744's warm-up with
seed 1 collapsed to ε 2·10⁻⁴ by step 180, two chains accepting 0.36 and 0.53 even there (an image whose
Newton counterpart had not settled; benchmarks/README.md). So the caller may say where the density is
smooth (``smooth(position) -> bool``, for a lens: every image compared in the image plane has settled,
:func:`.local_images.make_settled_check`); the median is then taken over the chains that are there after
the step (over all chains when none is). Seed 1 then ended at ε 0.094. The upper quartile of all
chains instead (no such knowledge needed) also survived seed 1 (ε 0.132) but, on a smooth banana whose
low acceptance at the tips is the step size's fault, overshot: its draws' mean moved by 0.15σ.
Stan's window schedule, the dual
averaging and the Welford estimator with its regularisation are blackjax's (``build_schedule``, ``dual_averaging_adaptation``,
``mass_matrix_adaptation``); only the pooling is ours: blackjax's own multi-chain path
(``staged_adaptation(n_chains=...)``) exists only with its experimental low-rank metric, not the dense
one seeded from the Hessian that a cluster posterior's correlated parameters need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .over_chains import map_over_chains

__all__ = ["SharedWarmup", "shared_window_adaptation", "SHRINKAGE_TO_START"]

# pseudo-count of draws with which each window's mass matrix leans on the previous one (the first
# window's on the Hessian at the mode): keeps a short window's noisy covariance from replacing a
# good curvature estimate (blackjax's imm_shrinkage_to_previous)
SHRINKAGE_TO_START = 20.0


class SharedWarmup(NamedTuple):
    """The chains after warm-up: their blackjax states (leading axis: chain), the shared
    ``step_size`` and ``inverse_mass_matrix`` (n, n), and the leapfrog steps each chain took."""

    states: object
    step_size: object
    inverse_mass_matrix: object
    steps: object


def shared_window_adaptation(log_density: Callable, starts, inverse_mass, key, n_warmup: int,
                             target_accept: float, max_doublings: int,
                             on_step: Callable[[int, int], None] | None = None, fallback=None,
                             smooth: Callable | None = None) -> SharedWarmup:
    """Stan's windowed warm-up of NUTS for the chains starting at ``starts`` (chains, n), with one step
    size and one dense mass matrix shared by all (module docstring); ``inverse_mass`` seeds the mass
    matrix, ``key`` (a JAX key) drives every chain. Jit-able (``log_density``: (n,) → scalar).
    ``fallback`` (n,), when given, replaces each start where the density is not finite (such a chain would
    have no gradient to follow). ``smooth`` (n,) → bool, when given: where the density is smooth; the
    step size then follows the median acceptance of the chains there (module docstring).
    ``on_step(step, deepest tree)``, when given, is called from inside after every step (a host callback)."""
    import blackjax
    import jax
    import jax.numpy as jnp
    from blackjax.adaptation.mass_matrix import mass_matrix_adaptation
    from blackjax.adaptation.step_size import dual_averaging_adaptation
    from blackjax.adaptation.window_adaptation import build_schedule

    with jax.ensure_compile_time_eval():  # a constant of n_warmup, also when traced under jit
        schedule = np.asarray(build_schedule(n_warmup), dtype=int).reshape(-1, 2)  # (0, 2) for no warm-up
    da_init, da_update, da_final = dual_averaging_adaptation(target_accept)
    mm_init, mm_update, mm_final = mass_matrix_adaptation(False, SHRINKAGE_TO_START)
    kernel = blackjax.nuts.build_kernel()
    n_chains = starts.shape[0]

    def move(key_t, state, step_size, imm):
        return kernel(key_t, state, log_density, step_size, imm, max_num_doublings=max_doublings)

    def step(carry, xs):
        states, da, mm, steps = carry
        t, slow, window_end, key_t = xs
        step_size, imm = jnp.exp(da.log_step_size), mm.inverse_mass_matrix
        states, info = map_over_chains(lambda k, s: move(k, s, step_size, imm))(
            jax.random.split(key_t, n_chains), states)
        accept = jnp.where(jnp.isfinite(info.acceptance_rate), info.acceptance_rate, 0.0)
        da = da_update(da, _step_size_statistic(accept, None if smooth is None
                                                else map_over_chains(smooth)(states.position)))
        # slow windows: every chain's position enters the window's covariance
        mm = jax.lax.cond(slow, lambda m: jax.lax.fori_loop(
            0, n_chains, lambda i, m: mm_update(m, states.position[i]), m), lambda m: m, mm)

        def close_window(da_mm):  # Stan: new mass matrix; dual averaging restarts from its average ε
            da, mm = da_mm
            return da_init(da_final(da)), mm_final(mm)

        da, mm = jax.lax.cond(window_end, close_window, lambda x: x, (da, mm))
        if on_step is not None:
            jax.debug.callback(on_step, t, jnp.max(info.num_integration_steps))
        return (states, da, mm, steps + info.num_integration_steps), None

    init = jax.vmap(lambda x: blackjax.nuts.init(x, log_density))
    if fallback is None:
        states = init(jnp.asarray(starts))
    else:  # one batched init of the starts and the fallback (one copy of the gradient in the program)
        both = init(jnp.concatenate([jnp.asarray(starts), jnp.asarray(fallback)[None]]))
        finite = jnp.isfinite(both.logdensity[:-1])
        states = jax.tree.map(lambda a: jnp.where(finite.reshape((-1,) + (1,) * (a.ndim - 1)), a[:-1], a[-1]), both)
    da, mm = da_init(1.0), mm_init(starts.shape[1], jnp.asarray(inverse_mass))
    xs = (jnp.arange(n_warmup), jnp.asarray(schedule[:, 0] == 1), jnp.asarray(schedule[:, 1] == 1),
          jax.random.split(key, n_warmup))
    (states, da, mm, steps), _ = jax.lax.scan(step, (states, da, mm, jnp.zeros(n_chains, int)), xs)
    return SharedWarmup(states, da_final(da), mm.inverse_mass_matrix, steps)


def _step_size_statistic(accept, smooth):
    """What dual averaging drives to the target: the median acceptance of the chains where the density is
    smooth (``smooth``: a bool per chain), of all chains when none is or when ``smooth`` is None."""
    import jax.numpy as jnp

    if smooth is None:
        return jnp.median(accept)
    return jnp.where(jnp.any(smooth), jnp.nanmedian(jnp.where(smooth, accept, jnp.nan)), jnp.median(accept))
