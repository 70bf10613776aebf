"""How far a nautilus search is from done, for the progress line: the phase and an estimate of the rest.

Nautilus explores until the live set holds less than ``f_live`` (1 %) of the evidence, then samples until
the posterior has ``n_eff`` effective samples (its stopping rule, ``Sampler.run``). During exploration the
line shows the live fraction against its target; while sampling, the effective samples against ``n_eff``
and the remaining time, extrapolated from the rate at which effective samples grew since exploration ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console
from rich.progress import Progress

from .interrupt import raise_if_interrupted

__all__ = ["NautilusProgress", "TrackedLikelihood", "live_fraction"]

F_LIVE = 0.01  # nautilus's default exploration target (Sampler.run(f_live=0.01))


def live_fraction(sampler) -> float:
    """Nautilus's ``f_live`` (the live set's share of the evidence) from the points as they are.

    ``Sampler.f_live`` cannot be read from inside the likelihood: nautilus calls it between counting a
    batch (``shell_n``) and storing its likelihoods, so the two differ in length. Here each shell's
    volume is shared among the points it holds now."""
    from scipy.special import logsumexp

    log_l = [np.asarray(x, float) for x in sampler.log_l]
    n = np.array([len(x) for x in log_l])
    if n.sum() == 0:
        return 1.0
    log_v = np.repeat(np.asarray(sampler.shell_log_v, float)[: len(n)] - np.log(np.maximum(n, 1)), n)
    ll = np.concatenate(log_l)
    ok = np.isfinite(log_v) & np.isfinite(ll)  # a shell just added has no volume yet
    log_w, ll = log_v[ok] + ll[ok], ll[ok]
    if not len(ll):
        raise ValueError("no point with a volume yet")
    live = log_w[np.argsort(ll)][-sampler.n_live:]
    return float(np.exp(logsumexp(live) - logsumexp(log_w)))


@dataclass
class NautilusProgress:
    """Call :meth:`line` with the sampler after each batch; ``every_s`` limits the (O(points)) estimate."""

    n_eff: int
    every_s: float = 0.5
    _t_explored: float | None = field(default=None, init=False)
    _n_eff_explored: float = field(default=0.0, init=False)
    _t_last: float = field(default=-1e300, init=False)
    _last: str = field(default="exploring", init=False)
    fraction: float | None = field(default=None, init=False)  # of the sampling phase done, once known

    def line(self, sampler, now: float | None = None) -> str:
        """``exploring: live fraction 0.3 → 0.01`` or ``N_eff 420/1000, ~35 s left``."""
        now = time.perf_counter() if now is None else now
        if now - self._t_last < self.every_s:
            return self._last
        self._t_last = now
        try:
            if not sampler.explored:
                f_live = live_fraction(sampler)
                self._last = f"exploring: live evidence fraction {f_live:.2g} → {F_LIVE:g}"
            else:
                n_eff = float(sampler.n_eff)
                if self._t_explored is None:
                    self._t_explored, self._n_eff_explored = now, n_eff
                self.fraction = min(n_eff / self.n_eff, 1.0)
                self._last = f"N_eff {n_eff:,.0f}/{self.n_eff:,}" + self._eta(n_eff, now)
        except (AttributeError, ValueError, IndexError):  # another nautilus version: the last line stands
            pass
        return self._last

    def _eta(self, n_eff: float, now: float) -> str:
        elapsed = now - (self._t_explored or now)
        gained = n_eff - self._n_eff_explored
        if elapsed < 1.0 or gained <= 0:
            return ""
        left = max(self.n_eff - n_eff, 0.0) / (gained / elapsed)
        return f", ~{left:,.0f} s left"


class TrackedLikelihood:
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
