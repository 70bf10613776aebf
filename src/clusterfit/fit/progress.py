"""How far a nautilus search is from done, for the progress line: the phase and an estimate of the rest.

Nautilus explores until the live set holds less than ``f_live`` (1 %) of the evidence, then samples until
the posterior has ``n_eff`` effective samples (its stopping rule, ``Sampler.run``). During exploration the
line shows the live fraction against its target; while sampling, the effective samples against ``n_eff``
and the remaining time, extrapolated from the rate at which effective samples grew since exploration ended.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["NautilusProgress"]

F_LIVE = 0.01  # nautilus's default exploration target (Sampler.run(f_live=0.01))


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
                f_live = sampler.f_live
                self._last = f"exploring: live evidence fraction {f_live:.2g} → {F_LIVE:g}"
            else:
                n_eff = float(sampler.n_eff)
                if self._t_explored is None:
                    self._t_explored, self._n_eff_explored = now, n_eff
                self.fraction = min(n_eff / self.n_eff, 1.0)
                self._last = f"N_eff {n_eff:,.0f}/{self.n_eff:,}" + self._eta(n_eff, now)
        except (AttributeError, ValueError, IndexError):  # a sampler version without these estimates
            self._last = ""
        return self._last

    def _eta(self, n_eff: float, now: float) -> str:
        elapsed = now - (self._t_explored or now)
        gained = n_eff - self._n_eff_explored
        if elapsed < 1.0 or gained <= 0:
            return ""
        left = max(self.n_eff - n_eff, 0.0) / (gained / elapsed)
        return f", ~{left:,.0f} s left"
