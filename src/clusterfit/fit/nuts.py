"""Posterior sampling by NUTS (blackjax) from the MAP, with convergence diagnostics (arviz).

Why blackjax: its kernels are pure JAX functions of a log density, so our own jitted χ² goes in as it
is (no model language to rewrite it in), several chains run as one compiled program (one after another
on a CPU, in lockstep on a GPU: :mod:`.over_chains`), and its adaptation pieces (Stan's window schedule,
dual averaging, Welford covariance) compose into a warm-up the chains share (:mod:`.shared_warmup`: one
step size and one mass matrix), seeded with the inverse Hessian at the mode in the sampler's coordinates
(:func:`.logit.logit_laplace`). numpyro's NUTS would need the same log density wrapped as a
``potential_fn`` and brings its own model layer we do not use.

Diagnostics follow Vehtari et al. (2021): rank-normalised split-R̂ and bulk/tail effective sample
sizes, computed by arviz-stats per parameter; :data:`RHAT_MAX` and :data:`ESS_MIN` are the thresholds
below which a run is reported as not converged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..chunked import chunked_map
from .logit import LogitTarget, logit_laplace
from .over_chains import map_over_chains
from .search import TARGET_ACCEPT, SearchResult

__all__ = ["Chains", "Diagnostics", "nuts_posterior", "RHAT_MAX", "ESS_MIN", "MAX_DOUBLINGS", "diagnose",
           "warm_up", "run_chains", "sample_nuts", "positive_definite_inverse", "DivergentAt",
           "divergent_at"]

RHAT_MAX = 1.01  # split-R̂ above this: the chains disagree
ESS_MIN = 400  # bulk or tail effective sample size below this: too few independent draws
# tree depth cap: at most 2⁸ − 1 = 255 leapfrog steps per draw (blackjax's default, 10, allows 1,023).
# From the Hessian a cluster posterior needs ~15 (AS1063); the cap bounds the cost of the warm-up's first
# windows, where a step size still far too small would otherwise build trees of a thousand gradients
MAX_DOUBLINGS = 8
# where the divergent transitions sit is named from this many on, by the parameter whose ranks set the draws
# after them furthest apart from the others: the mean of k random ranks (uniform on 0–1) has sd 1/√(12k), and a
# parameter is named where the mean lies more than DIVERGENT_Z of those from ½ (Neal's funnel: z −5 to −14 at
# its neck over seeds 2–5; random draws: |z| > 4 in 42 one-sided tests about once in a thousand runs)
DIVERGENT_MIN = 10
DIVERGENT_Z = 4.0


@dataclass(frozen=True)
class Diagnostics:
    """Per-parameter convergence diagnostics of a set of chains, and the sampler's own health.

    ``r_hat``: rank-normalised split-R̂; ``ess_bulk``, ``ess_tail``: effective sample sizes (tail at
    the 5 % and 95 % quantiles, the smaller); ``acceptance``: mean acceptance probability;
    ``divergences``: divergent transitions after warm-up, ``divergent_at`` where they sit (named in
    :meth:`problems` when one parameter sets them apart); ``step_size``: the chains' (shared)."""

    r_hat: np.ndarray
    ess_bulk: np.ndarray
    ess_tail: np.ndarray
    acceptance: float
    divergences: int
    step_size: float
    mean_steps: float  # leapfrog steps per draw
    saturated: float = 0.0  # fraction of draws whose tree reached MAX_DOUBLINGS
    n_chains: int = 1
    divergent_at: DivergentAt | None = None  # :func:`divergent_at`; None with too few divergences

    @property
    def converged(self) -> bool:
        return bool(np.all(self.r_hat < RHAT_MAX) and np.all(self.ess_bulk >= ESS_MIN)
                    and np.all(self.ess_tail >= ESS_MIN) and self.divergences == 0)

    def problems(self, names) -> list[str]:
        """One line per failed check, naming the worst parameter; empty when converged."""
        out = []
        for label, values, bad in (("split-R̂", self.r_hat, self.r_hat >= RHAT_MAX),
                                   ("bulk ESS", self.ess_bulk, self.ess_bulk < ESS_MIN),
                                   ("tail ESS", self.ess_tail, self.ess_tail < ESS_MIN)):
            if np.any(bad):
                k = int(np.argmax(values) if label == "split-R̂" else np.argmin(values))
                limit = f"< {RHAT_MAX}" if label == "split-R̂" else f"≥ {ESS_MIN}"
                out.append(f"{label} fails ({limit} wanted) for {int(bad.sum())} of {len(values)} "
                           f"parameters; worst {names[k]}: {values[k]:.3g}")
        if self.saturated > 0.01:
            out.append(f"{100 * self.saturated:.0f} % of the draws reached the tree depth cap "
                       f"({2**MAX_DOUBLINGS - 1} leapfrog steps): the chains move slower than NUTS would let them")
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions{self._where_divergent(names)} (a higher target "
                       "acceptance, --target-accept 0.95 or SearchConfig.target_accept, takes smaller steps)")
        return out

    def _where_divergent(self, names) -> str:
        """Where the divergent transitions sit (the parameter whose ranks set them furthest apart), and
        what that means."""
        tails = ": the posterior has regions the step size cannot follow, its tails there are not trustworthy"
        if self.divergent_at is None:
            return tails
        z = self.divergent_at.z
        k = int(np.argmax(np.abs(z)))
        if abs(z[k]) < DIVERGENT_Z:
            return (", in no one parameter's tail (the draws after them lie as the others do): the step size "
                    "cannot follow the posterior in places within its bulk, as where the likelihood jumps (an "
                    "image whose predicted counterpart changes)")
        side = "low" if z[k] < 0 else "high"
        return (f" (at {side} {names[k]}: the median draw after them lies at its "
                f"{100 * self.divergent_at.median_quantile[k]:.0f} % quantile){tails}")


@dataclass(frozen=True)
class Chains:
    """NUTS draws in the sampler's coordinates: ``positions`` (chains, draws, n), ``log_density``
    (chains, draws), with their :class:`Diagnostics`; ``n_grad`` counts gradient evaluations."""

    positions: np.ndarray
    log_density: np.ndarray
    diagnostics: Diagnostics
    n_grad: int
    wall_s: float


def diagnose(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(split-R̂, bulk ESS, tail ESS) per parameter of draws shaped (chains, draws, n), by arviz."""
    import arviz_stats

    x = np.asarray(positions, float)
    r_hat = np.asarray(arviz_stats.rhat(x, method="rank"))
    bulk = np.asarray(arviz_stats.ess(x, method="bulk"))
    tail = np.asarray(arviz_stats.ess(x, method="tail", prob=(0.05, 0.95)))
    return r_hat, bulk, tail


@dataclass(frozen=True)
class DivergentAt:
    """Where the draws after divergent transitions lie among all draws, per parameter: the quantile of
    their median, and z, how far their mean rank is from ½ in units of its sd for as many random draws."""

    median_quantile: np.ndarray
    z: np.ndarray


def divergent_at(positions: np.ndarray, divergent: np.ndarray) -> DivergentAt | None:
    """:class:`DivergentAt` of ``positions`` (chains, draws, n) flagged by ``divergent`` (chains, draws);
    None with fewer than :data:`DIVERGENT_MIN` of them. By ranks, so the same in the sampler's coordinates
    as in the parameters (a monotonic map per coordinate): the numbers behind Stan's advice to look at
    where divergences sit."""
    x = np.asarray(positions, float).reshape(-1, np.shape(positions)[-1])
    flag = np.asarray(divergent, bool).reshape(-1)
    k = int(flag.sum())
    if k < DIVERGENT_MIN or k == len(flag):
        return None
    ranks = (np.argsort(np.argsort(x, axis=0, kind="stable"), axis=0) + 0.5) / len(x)
    return DivergentAt(np.median(ranks[flag], axis=0), (ranks[flag].mean(0) - 0.5) * np.sqrt(12.0 * k))


def positive_definite_inverse(hessian: np.ndarray, floor: float = 1e-2) -> np.ndarray:
    """The inverse of a symmetrised Hessian with eigenvalues raised to ``floor`` (flat or negative
    directions get a width ~1/√floor): a usable mass matrix from any curvature estimate."""
    h = 0.5 * (hessian + hessian.T)
    ev, vec = np.linalg.eigh(np.where(np.isfinite(h), h, 0.0))
    return (vec / np.maximum(ev, floor)) @ vec.T


def _gaussian_draws(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws (n, d) of N(``mean``, ``cov``): the Laplace approximation's, around a mode."""
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(mean)))
    return np.asarray(mean, float) + rng.standard_normal((n, len(mean))) @ chol.T


def warm_up(log_density: Callable, starts: np.ndarray, inverse_mass: np.ndarray, key, n_warmup: int,
            target_accept: float = TARGET_ACCEPT, on_warmup: Callable[[int, float], None] | None = None,
            fallback: np.ndarray | None = None, smooth: Callable | None = None):
    """Warm-up of all chains together (:func:`.shared_warmup.shared_window_adaptation`: one step size and
    one mass matrix for all), each chain from its row of ``starts``, or from ``fallback`` where the density
    there is not finite; ``smooth(position) -> bool`` (jit-able), when given, says where the density is smooth
    (the step size follows the chains there). Returns (states as numpy arrays, parameters {step_size, inverse_mass_matrix},
    leapfrog steps per chain). ``on_warmup(steps so far, seconds)`` is called every tenth of it (a host
    callback from inside the compiled loop)."""
    import jax

    from .shared_warmup import shared_window_adaptation

    t0, every = time.perf_counter(), max(1, n_warmup // 10)

    def tick(t, _deepest):
        if on_warmup is not None and (int(t) + 1) % every == 0:
            on_warmup(int(t) + 1, time.perf_counter() - t0)

    run = jax.jit(lambda key, x, back: shared_window_adaptation(log_density, x, inverse_mass, key, n_warmup,
                                                                target_accept, MAX_DOUBLINGS, tick, back,
                                                                smooth))
    warm = run(key, np.asarray(starts, float), None if fallback is None else np.asarray(fallback, float))
    params = {"step_size": np.asarray(warm.step_size), "inverse_mass_matrix": np.asarray(warm.inverse_mass_matrix)}
    return jax.tree.map(np.asarray, warm.states), params, np.asarray(warm.steps)


def run_chains(log_density: Callable, states, params: dict, keys: np.ndarray, n_draws: int,
               on_chunk: Callable[[int, float], None] | None = None,
               enough: Callable[[np.ndarray], bool] | None = None):
    """Draws of one group of warmed-up chains (:func:`.over_chains.map_over_chains`), each from its own ``keys`` row: a
    pure function of its inputs, so groups can run on different workers and give the same draws as one
    process. Returns numpy arrays (positions, log density, acceptance, divergent, steps per draw) per chain.

    The draws come in chunks of ≤ 100 steps (one compiled program), with a check for Ctrl-C and
    ``on_chunk(draws so far, seconds)`` between them. ``enough(positions so far)`` (chains, draws, n),
    when given, is asked after each chunk: True ends the sampling there (``n_draws`` is then a ceiling).
    Trees are capped at :data:`MAX_DOUBLINGS` doublings."""
    import blackjax
    import jax

    from .interrupt import raise_if_interrupted

    t0 = time.perf_counter()
    kernel = blackjax.nuts(log_density, **params, max_num_doublings=MAX_DOUBLINGS).step

    def chunk_one(state, draw_keys):
        def step(state, k):
            state, info = kernel(k, state)
            return state, (state.position, state.logdensity, info.acceptance_rate, info.is_divergent,
                           info.num_integration_steps)

        return jax.lax.scan(step, state, draw_keys)

    draw_keys = np.asarray(jax.vmap(lambda k: jax.random.split(k, n_draws))(np.asarray(keys)))
    size = _chunk_size(n_draws)
    sample = jax.jit(map_over_chains(chunk_one))
    outs = []
    for c in range(0, n_draws, size):
        raise_if_interrupted()
        states, out = sample(states, draw_keys[:, c:c + size])
        outs.append([np.asarray(a) for a in out])
        if on_chunk is not None:
            on_chunk(c + size, time.perf_counter() - t0)
        if enough is not None and c + size < n_draws and enough(np.concatenate([o[0] for o in outs], axis=1)):
            break
    return [np.concatenate(parts, axis=1) for parts in zip(*outs, strict=True)]


def _chunk_size(n_draws: int) -> int:
    """The largest divisor of ``n_draws`` up to 100 (one compiled chunk), or all draws if that is < 20."""
    size = max(d for d in range(1, min(n_draws, 100) + 1) if n_draws % d == 0)
    return size if size >= 20 else n_draws


def sample_nuts(log_density: Callable, start: np.ndarray, inverse_mass: np.ndarray, *, n_chains: int = 4,
                n_warmup: int = 500, n_draws: int = 1000, seed: int = 1, target_accept: float = TARGET_ACCEPT,
                jitter: float = 1.0, executor=None, console=None,
                enough: Callable[[np.ndarray], bool] | None = None, smooth: Callable | None = None) -> Chains:
    """NUTS on ``log_density`` (one point (n,) → scalar, JAX-differentiable) with ``n_chains`` chains.

    Chain k starts at ``start`` plus a draw from N(0, jitter²·``inverse_mass``) — dispersed over the
    Laplace width, so split-R̂ can tell chains that have not mixed; at ``start`` itself where that
    draw's density is not finite — and warms up with Stan's window
    adaptation seeded with ``inverse_mass`` (dense), shared by all chains (:func:`warm_up`). Each chain's
    draws depend on ``seed``, its index and the warm-up only, so they do not depend on how chains are
    grouped: with ``executor`` (:mod:`.executors`) the draws are spread over its workers, one group per
    worker. ``enough``: :func:`run_chains`'s stopping check, asked after each chunk of draws (with
    ``executor`` the workers draw all ``n_draws`` and the draws are cut where one process would have
    stopped: the same draws). ``smooth``: :func:`warm_up`'s."""
    import jax

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    starts = _gaussian_draws(start, jitter**2 * inverse_mass, n_chains, rng)
    key_warm, key_draw = jax.random.split(jax.random.PRNGKey(seed))
    keys = np.asarray(jax.random.split(key_draw, n_chains))
    if console is not None:
        console.print(f"NUTS: {n_chains} chains × ({n_warmup} warm-up + {n_draws} draws) from the MAP")

    def warming(done, seconds):
        if console is not None:
            console.print(f"  NUTS: {done:,}/{n_warmup:,} warm-up steps per chain ({seconds:,.0f} s)")

    # the warm-up is shared by the chains (one step size, one mass matrix), so it runs here, all together;
    # the draws of each chain depend only on its warmed state and key, and may run anywhere
    # a start where the density is not finite (a wide Laplace width reaching a region where the model
    # breaks down) would leave its chain without a gradient: that chain starts at the mode instead
    states, params, warm = warm_up(log_density, starts, inverse_mass, key_warm, n_warmup, target_accept, warming,
                                   fallback=start, smooth=smooth)
    if executor is None:
        def progress(done, seconds):
            if console is not None:
                console.print(f"  NUTS: {done:,}/{n_draws:,} draws per chain ({seconds:,.0f} s)")

        parts = [run_chains(log_density, states, params, keys, n_draws, on_chunk=progress, enough=enough)]
    else:
        groups = np.array_split(np.arange(n_chains), min(executor.n_workers, n_chains))
        parts = executor.map(_run_group, [(log_density, jax.tree.map(lambda a, g=g: a[g], states), params,
                                           keys[g], n_draws) for g in groups])
    pos, logd, acc, div, steps = (np.concatenate(a) for a in zip(*parts, strict=True))
    if executor is not None and enough is not None:
        # the workers ran every draw: keep those one process would have stopped at (same posterior)
        size = _chunk_size(n_draws)
        stop = next((c for c in range(size, n_draws, size) if enough(pos[:, :c])), n_draws)
        pos, logd, acc, div, steps = (a[:, :stop] for a in (pos, logd, acc, div, steps))
    r_hat, bulk, tail = diagnose(pos)
    diag = Diagnostics(r_hat, bulk, tail, float(acc.mean()), int(div.sum()), float(params["step_size"]),
                       float(steps.mean()), float(np.mean(steps >= 2**MAX_DOUBLINGS - 1)), n_chains,
                       divergent_at(pos, div))
    n_grad = int(steps.sum() + warm.sum())
    return Chains(pos, logd, diag, n_grad, time.perf_counter() - t0)


def _in_logit(settled: Callable, priors) -> Callable:
    """``settled(θ)`` as a function of the sampler's coordinates w = logit(u) (:class:`.logit.LogitTarget`)."""
    import jax

    return lambda w: settled(priors.transform_jax(jax.nn.sigmoid(w)))


def _run_group(task):
    log_density, states, params, keys, n_draws = task
    return run_chains(log_density, states, params, keys, n_draws)


def nuts_posterior(log_likelihood: Callable, target_chi2: Callable, priors, mode: np.ndarray, config,
                   executor=None, console=None, rough: Callable | None = None):
    """The posterior of ``target_chi2`` (χ² of ``log_likelihood``, jit-able, differentiable) under
    ``priors`` by :func:`sample_nuts`, as a :class:`.search.SearchResult` with :class:`Diagnostics`.

    Sampling happens in w = logit(u), u the prior's unit cube (:meth:`PriorVector.to_unit`): the prior
    is built in (log density −χ²/2 + log|du/dw|) and its bounds are at infinity, so no draw is ever
    rejected for leaving the support. The chains start around, and the mass matrix is the inverse Hessian
    at, the mode of that log density in w (:func:`.logit.logit_laplace`, from ``mode``).
    ``config``: a :class:`.search.SearchConfig` (``n_chains``, ``n_warmup``, ``n_draws``, ``seed``).
    Sampling stops after the first chunk of draws at which every parameter (in θ) has split-R̂ <
    :data:`RHAT_MAX` and bulk and tail ESS ≥ 1.1 × :data:`ESS_MIN`; ``n_draws`` is the ceiling.
    ``rough(θ draws) -> (lines, smoother χ² or None, settled or None)``, when given, is asked before sampling about 256
    draws of the Laplace approximation (run.py: images whose Newton counterpart does not settle,
    :func:`.local_images.describe_unsettled`): NUTS cannot follow a density that is not smooth (its
    acceptance stays low at any step size). Its lines are printed; a χ² it returns replaces
    ``target_chi2`` for the chains (its mode and Hessian found again), ``log_likelihood`` still gives each
    draw's log L; ``settled(θ) -> bool`` (jit-able) says where the sampled χ² is smooth, and the warm-up's
    step size then follows the chains there (:mod:`.shared_warmup`)."""
    from scipy.special import expit

    t0 = time.perf_counter()
    n_dim = len(priors)
    u0 = np.clip(priors.to_unit(np.asarray(mode, float)), 1e-9, 1 - 1e-9)
    log_target = LogitTarget(target_chi2, priors)
    # the mode of the density sampled (in w, prior Jacobian included), not the θ-MAP: see logit_laplace
    w0, hessian, n_mode = logit_laplace(lambda w: -log_target(w), np.log(u0 / (1 - u0)))
    inverse_mass = positive_definite_inverse(hessian)
    smooth = None  # where the sampled χ² is smooth: unknown unless ``rough`` says
    if console is not None:
        console.print(f"mass matrix: the mode in the sampler's coordinates and its Hessian by {n_mode} "
                      f"gradients ({time.perf_counter() - t0:,.1f} s)")
    if rough is not None:
        near = _gaussian_draws(w0, inverse_mass, 256, np.random.default_rng(config.seed))
        lines, smoother, settled = rough(priors.transform(expit(near)))
        if console is not None:
            for k, line in enumerate(lines):
                console.print(f"[bold yellow]warning[/]: {line}" if k == 0 else line, highlight=False)
        if smoother is not None:
            log_target = LogitTarget(smoother, priors)
            w0, hessian, n_again = logit_laplace(lambda w: -log_target(w), w0)
            inverse_mass, n_mode = positive_definite_inverse(hessian), n_mode + n_again
        if settled is not None:
            smooth = _in_logit(settled, priors)

    def enough(w):  # the thresholds met, in θ, with a 10 % margin on ESS: stop drawing
        r_hat, bulk, tail = diagnose(priors.transform(expit(w.reshape(-1, n_dim))).reshape(w.shape))
        return bool(np.all(r_hat < RHAT_MAX) and min(bulk.min(), tail.min()) >= 1.1 * ESS_MIN)

    chains = sample_nuts(log_target, w0, inverse_mass, n_chains=config.n_chains,
                         n_warmup=config.n_warmup, n_draws=config.n_draws, seed=config.seed,
                         target_accept=config.target_accept, executor=executor, console=console,
                         enough=enough, smooth=smooth)
    d = chains.diagnostics
    thetas = priors.transform(expit(chains.positions.reshape(-1, n_dim)))
    # diagnostics of the parameters themselves (R̂ and ESS are not invariant under w → θ)
    r_hat, bulk, tail = diagnose(thetas.reshape(chains.positions.shape))
    d = replace(d, r_hat=r_hat, ess_bulk=bulk, ess_tail=tail)
    (log_l,) = chunked_map(log_likelihood, [thetas], min(1024, len(thetas)))
    if console is not None:
        console.print(f"NUTS: {len(thetas):,} draws, acceptance {d.acceptance:.2f}, "
                      f"{d.mean_steps:.1f} leapfrog steps per draw, min bulk ESS {d.ess_bulk.min():,.0f}, "
                      f"max split-R̂ {d.r_hat.max():.4f} ({chains.wall_s:,.1f} s)")
        for line in d.problems(priors.names):
            console.print(f"[bold yellow]warning[/]: not converged: {line}")
    log_w = np.full(len(thetas), -np.log(len(thetas)))
    log_post = log_l + priors.log_density(thetas)
    k = int(np.argmax(log_l))
    return SearchResult(priors.names, thetas, log_w, log_l, float("nan"), len(thetas) + chains.n_grad
                        + n_mode, time.perf_counter() - t0, thetas[k],
                        thetas[int(np.argmax(log_post))], float(d.ess_bulk.min()), d)
