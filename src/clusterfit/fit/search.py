"""Searches over θ: nautilus nested sampling (vectorised likelihood), a whitened multi-start MAP
optimiser (:func:`find_map`) and importance sampling around the MAP (:func:`laplace_importance`).

Nautilus (Lange 2023) calls our batched, jitted likelihood on whole batches of points; a rich progress
line shows evaluations, rate, the current best χ² and the effective sample size. Runs are seeded and, with
a ``checkpoint`` path, resumable (nautilus's HDF5 checkpoint). ``pool`` splits each likelihood batch, and
the MAP's starts, over workers: processes, a dask cluster or MPI ranks (:mod:`.executors`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..model import PriorVector
from .executors import as_executor
from .interrupt import raise_if_interrupted
from .progress import NautilusProgress

__all__ = ["SearchConfig", "SearchResult", "MapResult", "run_nautilus", "optimise", "find_map",
           "laplace_importance", "hessian_by_differences"]


@dataclass(frozen=True)
class SearchConfig:
    """Settings of every search (``fit(..., config=)``, the ``fit`` command's options); each field says
    which search reads it."""

    n_live: int = 400
    seed: int = 1
    n_eff: int = 2000
    checkpoint: Path | None = None
    pool: object | None = None  # processes, dask://HOST:PORT, a Client, "mpi", … (:mod:`.executors`)
    n_batch: int = 256
    n_networks: int = 4
    progress: bool = True
    n_starts: int = 4  # laplace search: optimiser starts (the table values + prior draws)
    n_samples: int = 8000  # laplace search: importance samples
    n_chains: int = 4  # nuts search: chains (run together with vmap, or spread over a pool)
    n_warmup: int = 500  # nuts search: warm-up steps per chain (step size and mass matrix adaptation)
    n_draws: int = 1000  # nuts search: draws kept per chain
    target_accept: float = 0.8  # nuts search: raise (0.9, 0.95) when a run reports divergences


@dataclass(frozen=True)
class SearchResult:
    """A search's posterior: weighted ``samples`` (``log_w`` normalised), their ``log_l``, the evidence
    ``log_z`` (NaN for MCMC), likelihood calls ``n_like`` and ``wall_s``, the ``best`` (max likelihood)
    and ``map`` points, and for NUTS its convergence ``diagnostics``."""

    names: tuple[str, ...]
    samples: np.ndarray  # (k, n) posterior points
    log_w: np.ndarray  # (k,) normalised log weights
    log_l: np.ndarray  # (k,)
    log_z: float
    n_like: int
    wall_s: float
    best: np.ndarray  # max log L
    map: np.ndarray  # max log L + log prior
    ess: float | None = None  # effective sample size (importance sampling; NUTS: the smallest bulk ESS)
    diagnostics: object | None = None  # NUTS: per-parameter R̂ and ESS (:class:`.nuts.Diagnostics`)

    @property
    def weights(self) -> np.ndarray:
        return np.exp(self.log_w - self.log_w.max()) / np.exp(self.log_w - self.log_w.max()).sum()

    def quantiles(self, q) -> np.ndarray:
        """Weighted quantiles per parameter, shape (len(q), n)."""
        w = self.weights
        out = []
        for j in range(self.samples.shape[1]):
            order = np.argsort(self.samples[:, j])
            cdf = np.cumsum(w[order])
            out.append(np.interp(q, cdf / cdf[-1], self.samples[order, j]))
        return np.array(out).T


class _Tracked:
    """Wraps the batched log-likelihood: counts calls, keeps the best point, updates the progress line."""

    def __init__(self, log_likelihood: Callable, progress: Progress | None, task, pool,
                 log: Console | None = None, every_s: float = 30.0, label: str = "nautilus"):
        self.f, self.progress, self.task, self.pool = log_likelihood, progress, task, pool
        self.n, self.best_l, self.best = 0, -np.inf, None
        self.t0 = self.t_log = time.perf_counter()
        self.log, self.every_s = log, every_s  # plain lines for logs, where a live bar cannot show
        self.label = label
        self.sampler, self.status = None, None  # set by run_nautilus: the phase and remaining work

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        raise_if_interrupted()  # a Ctrl-C that nautilus's network training swallowed stops the fit here
        thetas = np.atleast_2d(thetas)
        if self.pool is not None and len(thetas) > 1:
            parts = np.array_split(thetas, min(self.pool.n_workers, len(thetas)))
            out = np.concatenate(list(self.pool.map(self.f, parts)))
        else:
            out = self.f(thetas)
        self.n += len(thetas)
        k = int(np.argmax(out))
        if out[k] > self.best_l:
            self.best_l, self.best = float(out[k]), thetas[k].copy()
        now = time.perf_counter()
        line = (f"{self.label}  evals {self.n:,}  {self.n / max(now - self.t0, 1e-9):,.0f}/s  "
                f"best χ² {-2 * self.best_l:,.2f}")
        if self.status is not None and self.sampler is not None and (where := self.status.line(self.sampler)):
            line += f"  {where}"
        if self.progress is not None:
            fraction = None if self.status is None else self.status.fraction
            self.progress.update(self.task, completed=self.n if fraction is None else fraction,
                                 total=None if fraction is None else 1.0, description=line)
        elif self.log is not None and now - self.t_log >= self.every_s:
            self.t_log = now
            self.log.print(f"{line}  ({now - self.t0:,.0f} s)")
        return out


def run_nautilus(log_likelihood: Callable, priors: PriorVector, config: SearchConfig = SearchConfig(),
                 console: Console | None = None) -> SearchResult:
    """Nested sampling of ``log_likelihood`` (batched: (k, n) → (k,)) under ``priors``."""
    from nautilus import Sampler

    pool = as_executor(config.pool)
    own_pool = pool if pool is not config.pool else None
    progress = None
    console = console or Console()
    if config.progress and console.is_terminal:
        progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console, transient=False)
    t0 = time.perf_counter()
    try:
        if progress is not None:
            progress.start()
            task = progress.add_task("nautilus", total=None)
        else:
            task = None
        tracked = _Tracked(log_likelihood, progress, task, pool,
                           log=console if config.progress and progress is None else None)
        sampler = _sampler(Sampler, priors, tracked, config, console)
        tracked.sampler, tracked.status = sampler, NautilusProgress(config.n_eff)
        sampler.run(n_eff=config.n_eff, discard_exploration=True, verbose=False)
        raise_if_interrupted()
        points, log_w, log_l = sampler.posterior()
    finally:
        if progress is not None:
            progress.stop()
        if own_pool is not None:
            own_pool.close()
    wall = time.perf_counter() - t0
    best = points[np.argmax(log_l)]
    if tracked.best is not None and tracked.best_l > log_l.max():
        best = tracked.best
    log_post = log_l + priors.log_density(points)
    return SearchResult(priors.names, points, log_w, log_l, float(sampler.log_z), int(sampler.n_like),
                        wall, best, points[np.argmax(log_post)])


def _sampler(Sampler, priors: PriorVector, tracked, config: SearchConfig, console: Console):
    """Nautilus's sampler, resumed from ``config.checkpoint`` if there is one; a checkpoint that cannot be
    read (killed while being written) is moved aside to ``*.damaged`` and the search starts afresh."""
    def make():
        return Sampler(priors.transform, tracked, n_dim=len(priors), n_live=config.n_live, vectorized=True,
                       pass_dict=False, seed=config.seed, n_batch=config.n_batch, n_networks=config.n_networks,
                       filepath=None if config.checkpoint is None else str(config.checkpoint), resume=True)

    path = None if config.checkpoint is None else Path(config.checkpoint)
    if path is None or not path.exists():
        return make()
    try:
        return make()
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        damaged = path.with_name(path.name + ".damaged")
        path.replace(damaged)
        console.print(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc}); it was probably "
                      f"cut off while being written. Moved to {damaged.name}; starting the search afresh.",
                      markup=False, highlight=False)
        return make()


def optimise(chi2: Callable, priors: PriorVector, start: np.ndarray, n_starts: int = 4, seed: int = 1):
    """Maximum-likelihood θ by L-BFGS-B on χ² (JAX gradient) from ``start`` and random prior draws."""
    import jax
    from scipy.optimize import minimize

    f = jax.jit(jax.value_and_grad(chi2))
    lo = np.where(np.isfinite(priors.lower), priors.lower, None)
    hi = np.where(np.isfinite(priors.upper), priors.upper, None)
    bounds = list(zip(lo, hi, strict=True))
    rng = np.random.default_rng(seed)
    starts = [np.asarray(start, float)] + list(priors.transform(rng.uniform(0.05, 0.95, (n_starts - 1, len(priors)))))
    best = None

    def fun(t):
        v, g = f(t)
        v, g = float(v), np.asarray(g, float)
        if not np.isfinite(v):
            return 1e30, np.zeros_like(t)
        return v, np.where(np.isfinite(g), g, 0.0)

    for s in starts:
        res = minimize(fun, s, jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    return best.x, float(best.fun)


@dataclass(frozen=True)
class MapResult:
    """Maximum a-posteriori θ from several starts: ``theta``, its χ² and −log posterior, and the count of
    (value, gradient) evaluations; ``starts`` lists each start's final −log posterior."""

    theta: np.ndarray
    chi2: float
    neg_log_post: float
    n_eval: int
    starts: tuple[float, ...]


def find_map(chi2: Callable, priors: PriorVector, start: np.ndarray, n_starts: int = 4, seed: int = 1,
             console: Console | None = None, pool=None) -> MapResult:
    """Maximum of the posterior (χ²/2 − log prior) by L-BFGS-B with JAX gradients from ``start`` and
    ``n_starts − 1`` prior draws; with ``pool`` (:mod:`.executors`; ``chi2`` then picklable, e.g. a
    :class:`.executors.FolderFunction`) the starts run on its workers.

    The search runs in whitened coordinates z = (θ − centre)/scale (:meth:`PriorVector.whitening`): cluster
    parameters span km/s, degrees and arcsec, and unscaled L-BFGS stalls on such a mix."""
    centre, scale = priors.whitening(np.asarray(start, float))
    rng = np.random.default_rng(seed)
    thetas = [np.clip(np.asarray(start, float), priors.lower, priors.upper)]
    thetas += list(priors.transform(rng.uniform(0.1, 0.9, (max(n_starts - 1, 0), len(priors)))))
    minimiser = _Minimiser(chi2, priors, centre, scale)
    executor = as_executor(pool)
    if executor is None or len(thetas) == 1:
        results = []
        for k, theta0 in enumerate(thetas):
            results.append(minimiser(theta0))
            if console is not None:
                console.print(f"  start {k + 1}/{len(thetas)}: −log posterior {results[-1][1]:,.3f} "
                              f"({results[-1][2]} iterations)")
    else:
        try:
            results = executor.map(minimiser, thetas)
        finally:
            if executor is not pool:
                executor.close()
        if console is not None:
            console.print(f"  {len(thetas)} starts on {executor.label}: −log posterior "
                          + ", ".join(f"{r[1]:,.3f}" for r in results))
    z, fun, _, _ = min(results, key=lambda r: r[1])
    theta = centre + scale * z
    return MapResult(theta, float(chi2(theta)), float(fun), sum(r[3] for r in results),
                     tuple(float(r[1]) for r in results))


class _Minimiser:
    """L-BFGS-B on −log posterior in whitened coordinates from one start: (z, value, iterations,
    evaluations). Picklable (the jitted gradient is rebuilt in each process)."""

    def __init__(self, chi2: Callable, priors: PriorVector, centre: np.ndarray, scale: np.ndarray):
        self.chi2, self.priors, self.centre, self.scale = chi2, priors, centre, scale
        self._f = None

    def __getstate__(self):
        return {**self.__dict__, "_f": None}

    def _fun(self):
        if self._f is None:
            import jax

            centre, scale, chi2, log_prior = self.centre, self.scale, self.chi2, self.priors.log_density_jax
            self._f = jax.jit(jax.value_and_grad(
                lambda z: 0.5 * chi2(centre + scale * z) - log_prior(centre + scale * z)))
        return self._f

    def __call__(self, theta0: np.ndarray):
        from scipy.optimize import minimize

        f, n_eval = self._fun(), 0

        def fun(z):
            nonlocal n_eval
            n_eval += 1
            v, g = f(z)
            v, g = float(v), np.asarray(g, float)
            if not np.isfinite(v):
                return 1e30, np.zeros_like(z)
            return v, np.where(np.isfinite(g), g, 0.0)

        p, c, s = self.priors, self.centre, self.scale
        lo = np.where(np.isfinite(p.lower), (p.lower - c) / s, None)
        hi = np.where(np.isfinite(p.upper), (p.upper - c) / s, None)
        res = minimize(fun, (np.asarray(theta0, float) - c) / s, jac=True, method="L-BFGS-B",
                       bounds=list(zip(lo, hi, strict=True)), options={"maxiter": 5000})
        return res.x, float(res.fun), int(res.nit), n_eval


def laplace_importance(log_likelihood: Callable, target_chi2: Callable, priors: PriorVector,
                       mode: np.ndarray, n_samples: int = 8000, seed: int = 1, dof: float = 5.0,
                       inflate: float = 1.2, n_rounds: int = 8, pool: object | None = None,
                       console: Console | None = None) -> SearchResult:
    """Posterior by adaptive importance sampling around a mode.

    Sampling happens in w = logit(u), u the prior's unit cube (:meth:`PriorVector.to_unit`), where the
    prior is built in and its bounds are at infinity, so a mode on a bound (σ = 0, an edge of a Uniform)
    costs no samples. The target density in w is L(θ(w))·|du/dw|; ``target_chi2`` must be the χ² of
    ``log_likelihood`` (log L = −χ²/2 + const), jit-able and differentiable.

    1. Laplace: the maximum of −χ²/2 + log|du/dw| in w, started from ``mode``, and the Hessian there by
       central differences of the JAX gradient (two passes, the second with a step of 1/20 of each
       direction's own width), so it costs 4n gradients and never differentiates a Newton solve twice.
    2. ``n_rounds`` rounds of ``n_samples / n_rounds`` draws from a multivariate Student-t (``dof``),
       the first with the Laplace scale widened by ``inflate``, each later one refitted to the weighted
       draws so far (population Monte Carlo), tempered (w^β) where too few carry the weight to define a
       covariance.
    3. Weights over all draws are target / (the mixture of every round's proposal) — the deterministic
       mixture estimator, exact whatever the proposals and robust to a poor first round.

    The effective sample size says how well the proposals fit; ``log_z`` is the importance-sampling
    evidence. A fast alternative to nested sampling once the mode is known and the posterior unimodal."""
    import jax
    import jax.numpy as jnp
    from scipy.optimize import minimize
    from scipy.special import expit, logsumexp
    from scipy.stats import multivariate_t

    t0 = time.perf_counter()
    n_dim = len(priors)
    u0 = np.clip(priors.to_unit(np.asarray(mode, float)), 1e-6, 1 - 1e-6)
    w0 = np.log(u0 / (1 - u0))

    def log_jac(w):  # log |du/dw| of the logistic map
        return jnp.sum(-jax.nn.softplus(-w) - jax.nn.softplus(w))

    def neg_log_target(w):
        return 0.5 * target_chi2(priors.transform_jax(jax.nn.sigmoid(w))) - log_jac(w)

    f = jax.jit(jax.value_and_grad(neg_log_target))
    n_grad = 0

    def fun(w):
        nonlocal n_grad
        n_grad += 1
        v, g = f(w)
        v, g = float(v), np.asarray(g, float)
        return (v, np.where(np.isfinite(g), g, 0.0)) if np.isfinite(v) else (1e30, np.zeros_like(w))

    w_mode = minimize(fun, w0, jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
    h = hessian_by_differences(lambda w: fun(w)[1], w_mode, np.full(n_dim, 1e-4))
    step = np.clip(0.05 / np.sqrt(np.maximum(np.diag(h), 1e-12)), 1e-7, 0.05)
    h = hessian_by_differences(lambda w: fun(w)[1], w_mode, step)
    ev, vec = np.linalg.eigh(h)
    ev = np.maximum(ev, 0.25)  # flat or negative directions: a proposal about as wide as the prior
    loc, cov = w_mode, (vec / ev) @ vec.T * inflate**2
    if console is not None:
        console.print(f"Laplace approximation: {n_grad:,} gradient evaluations "
                      f"({time.perf_counter() - t0:,.1f} s)")

    rng = np.random.default_rng(seed)
    executor = as_executor(pool)
    tracked = _Tracked(log_likelihood, None, None, executor, log=console, every_s=30.0,
                       label="importance sampling")
    try:
        proposals, counts, ws, log_ls = [], [], [], []
        sizes = np.diff(np.linspace(0, n_samples, max(n_rounds, 1) + 1).astype(int))
        for k, n_k in enumerate(sizes):
            proposal = multivariate_t(loc=loc, shape=cov, df=dof, seed=rng)
            w = np.atleast_2d(proposal.rvs(n_k)).reshape(n_k, n_dim)
            thetas = priors.transform(expit(w))
            log_ls.append(np.concatenate([tracked(thetas[s:s + 1024]) for s in range(0, n_k, 1024)]))
            proposals.append(proposal)
            counts.append(n_k)
            ws.append(w)
            all_w = np.concatenate(ws)
            log_w = _mixture_log_weights(np.concatenate(log_ls), all_w, proposals, counts)
            ess = _ess(log_w)
            if console is not None:
                console.print(f"  round {k + 1}/{len(sizes)}: {len(all_w):,} draws, "
                              f"effective sample size {ess:,.0f}")
            if k + 1 < len(sizes):  # refit the proposal to the weighted draws so far
                p = np.exp(_tempered(log_w, 2 * n_dim + 2))
                loc = p @ all_w
                d = all_w - loc
                cov_w = (d * p[:, None]).T @ d / (1 - np.sum(p**2))
                cov = 0.5 * (cov_w + cov_w.T) * inflate**2 + 1e-10 * np.eye(n_dim)
    finally:
        if executor is not None and executor is not pool:  # a pool made here from a number
            executor.close()

    w = np.concatenate(ws)
    thetas = priors.transform(expit(w))
    log_l = np.concatenate(log_ls)
    log_w = _mixture_log_weights(log_l, w, proposals, counts)
    log_z = float(logsumexp(log_w) - np.log(len(w))) if np.isfinite(log_w).any() else -np.inf
    log_w = log_w - logsumexp(log_w)
    ess = _ess(log_w)
    if console is not None:
        console.print(f"importance sampling: {len(w):,} draws, effective sample size {ess:,.0f}")
    best = thetas[np.argmax(log_l)]
    if tracked.best is not None and tracked.best_l > log_l.max():
        best = tracked.best
    log_post = log_l + priors.log_density(thetas)
    return SearchResult(priors.names, thetas, log_w, log_l, log_z, tracked.n + n_grad,
                        time.perf_counter() - t0, best, thetas[np.argmax(log_post)], ess)


def hessian_by_differences(gradient: Callable, x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Symmetrised Hessian from central differences of ``gradient`` with a step per coordinate."""
    rows = []
    for i, h_i in enumerate(step):
        e = np.zeros_like(x)
        e[i] = h_i
        rows.append((gradient(x + e) - gradient(x - e)) / (2 * h_i))
    h = np.array(rows)
    h = np.where(np.isfinite(h), h, 0.0)
    return 0.5 * (h + h.T)


def _mixture_log_weights(log_l: np.ndarray, w: np.ndarray, proposals: list, counts: list) -> np.ndarray:
    """log of L(θ(w))·|du/dw| / Σ_k (n_k/N) q_k(w): deterministic-mixture importance weights."""
    from scipy.special import logsumexp

    log_jac = np.sum(-np.logaddexp(0, -w) - np.logaddexp(0, w), axis=1)
    frac = np.log(np.asarray(counts, float) / np.sum(counts))
    log_q = logsumexp(np.array([q.logpdf(w) for q in proposals]) + frac[:, None], axis=0)
    log_w = log_l + log_jac - np.atleast_1d(log_q)
    return np.where(np.isfinite(log_w), log_w, -np.inf)


def _tempered(log_w: np.ndarray, min_ess: float) -> np.ndarray:
    """Normalised log weights w^β with the largest β ≤ 1 whose effective sample size reaches
    ``min_ess`` (bisection): too few useful draws for a covariance then give a wider, still
    likelihood-led one instead of none."""
    from scipy.special import logsumexp

    finite = np.where(np.isfinite(log_w), log_w, -np.inf)
    if _ess(finite) >= min_ess:
        return finite - logsumexp(finite)
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _ess(mid * finite) >= min_ess else (lo, mid)
    out = np.where(np.isfinite(finite), lo * finite, -np.inf)
    return out - logsumexp(out)


def _ess(log_w: np.ndarray) -> float:
    """Kish effective sample size of (unnormalised) log weights."""
    if not np.isfinite(log_w).any():
        return 0.0
    p = np.exp(log_w - log_w.max())
    return float(p.sum() ** 2 / np.sum(p**2))
