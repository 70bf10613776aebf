"""The progress line's estimate of the remaining work of a nautilus search (clusterfit.fit.progress)."""

from types import SimpleNamespace

import numpy as np
import pytest

from clusterfit.fit.progress import NautilusProgress


def test_exploration_then_effective_samples_with_time_left():
    p = NautilusProgress(n_eff=1000, every_s=0.0)
    sampler = SimpleNamespace(explored=False, f_live=0.25, n_eff=0.0)
    assert p.line(sampler, now=0.0) == "exploring: live evidence fraction 0.25 → 0.01"
    assert p.fraction is None
    sampler.explored, sampler.n_eff = True, 100.0
    assert p.line(sampler, now=10.0) == "N_eff 100/1,000"  # no rate yet
    sampler.n_eff = 300.0  # 200 effective samples in 20 s: 10/s, 700 to go
    assert p.line(sampler, now=30.0) == "N_eff 300/1,000, ~70 s left"
    assert p.fraction == pytest.approx(0.3)


def test_the_estimate_is_refreshed_at_most_every_every_s():
    p = NautilusProgress(n_eff=10, every_s=5.0)
    sampler = SimpleNamespace(explored=False, f_live=0.5, n_eff=0.0)
    first = p.line(sampler, now=100.0)
    sampler.f_live = 0.1
    assert p.line(sampler, now=101.0) == first
    assert p.line(sampler, now=106.0) == "exploring: live evidence fraction 0.1 → 0.01"


def test_against_a_real_nautilus_run():
    """On nautilus itself: the line reaches N_eff ≥ n_eff when the sampler stops, as its stopping rule says."""
    from nautilus import Sampler

    lines = []
    p = NautilusProgress(n_eff=300, every_s=0.0)
    holder = {}

    def log_l(x):
        if "s" in holder:
            lines.append(p.line(holder["s"]))
        return -0.5 * np.sum(((x - 0.5) / 0.1) ** 2, axis=-1)

    sampler = Sampler(lambda u: u, log_l, n_dim=2, n_live=100, vectorized=True, seed=1)
    holder["s"] = sampler
    sampler.run(n_eff=300, verbose=False)
    assert any(line.startswith("exploring") for line in lines)
    final = p.line(sampler)
    assert final.startswith("N_eff ") and float(final.split()[1].split("/")[0].replace(",", "")) >= 300
