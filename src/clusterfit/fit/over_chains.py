"""One rule for running a function over MCMC chains (a leading chain axis): in lockstep or one by one.

A NUTS step builds a tree whose depth varies from step to step and from chain to chain. Under ``vmap`` the
chains advance in lockstep, so every step costs the deepest of their trees for all of them; run one after
another (``lax.map``), each chain costs only its own tree. On a CPU the vectorised gradient of several chains
gains less than lockstep wastes: A2744 (21 free, 4 chains, 30 draws from the mode, ε 0.115) took 33.1 s in
lockstep (1,698 tree steps for the deepest chain, 19.5 ms per 4-chain gradient) and 27.8 s one by one
(4,584 steps, 6.1 ms per 1-chain gradient), and compiled in 29 instead of 41 s (a 2-core CPU,
benchmarks/README.md). On a GPU the chains' gradients run side by side, nearly free, so lockstep (``vmap``)
is kept there. A CPU with many cores may vectorise the chains' gradients better than 2 cores do; the rule is
measured on 2.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

__all__ = ["map_over_chains"]


def map_over_chains(f: Callable) -> Callable:
    """``f`` (one chain's arguments → its outputs) as a function of arguments with a leading chain axis:
    ``lax.map`` (one chain after another) on a CPU, ``vmap`` (lockstep) on an accelerator (module
    docstring). Jit-able; chosen by JAX's default backend when called."""
    if jax.default_backend() == "cpu":
        return lambda *chains: jax.lax.map(lambda args: f(*args), chains)
    return jax.vmap(f)
