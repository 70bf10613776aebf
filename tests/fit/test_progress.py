"""The progress line's estimate of the remaining work of a nautilus search (clusterfit.fit.progress)."""

from types import SimpleNamespace

import numpy as np
import pytest

from clusterfit.fit.progress import NautilusProgress, live_fraction


def explorer(n_points: int, n_live: int = 1):
    """A sampler exploring one shell of ``n_points`` equal-likelihood points: f_live = n_live / n_points."""
    return SimpleNamespace(explored=False, n_eff=0.0, n_live=n_live, shell_log_v=[0.0],
                           log_l=[np.zeros(n_points)])


def test_exploration_then_effective_samples_with_time_left():
    p = NautilusProgress(n_eff=1000, every_s=0.0)
    sampler = explorer(4)
    assert p.line(sampler, now=0.0) == "exploring: live evidence fraction 0.25 → 0.01"
    assert p.fraction is None
    sampler.explored, sampler.n_eff = True, 100.0
    assert p.line(sampler, now=10.0) == "N_eff 100/1,000"  # no rate yet
    sampler.n_eff = 300.0  # 200 effective samples in 20 s: 10/s, 700 to go
    assert p.line(sampler, now=30.0) == "N_eff 300/1,000, ~70 s left"
    assert p.fraction == pytest.approx(0.3)


def test_the_estimate_is_refreshed_at_most_every_every_s():
    p = NautilusProgress(n_eff=10, every_s=5.0)
    sampler = explorer(2)
    first = p.line(sampler, now=100.0)
    sampler.log_l = [np.zeros(10)]
    assert p.line(sampler, now=101.0) == first
    assert p.line(sampler, now=106.0) == "exploring: live evidence fraction 0.1 → 0.01"


def test_against_a_real_nautilus_run():
    """On nautilus itself: the live fraction is nautilus's own f_live wherever nautilus can give it (between
    batches), is shown during the whole exploration (where nautilus's own property fails mid-batch), and the
    line reaches N_eff >= n_eff when the sampler stops, as its stopping rule says."""
    from nautilus import Sampler

    lines, pairs = [], []
    p = NautilusProgress(n_eff=300, every_s=0.0)
    holder = {}

    def log_l(x):
        if (s := holder.get("s")) is not None:
            lines.append(p.line(s))
            if not s.explored:
                try:
                    pairs.append((live_fraction(s), s.f_live))
                except ValueError:  # nautilus's f_live mid-batch: counts and likelihoods differ in length
                    pass
        return -0.5 * np.sum(((x - 0.5) / 0.1) ** 2, axis=-1)

    sampler = Sampler(lambda u: u, log_l, n_dim=2, n_live=100, vectorized=True, seed=1, n_networks=1)
    holder["s"] = sampler
    sampler.run(n_eff=300, discard_exploration=True, verbose=False)
    assert len(pairs) >= 3 and any(0.01 < b < 0.9 for _, b in pairs)
    for ours, theirs in pairs:
        assert ours == pytest.approx(theirs, rel=1e-9)
    exploring = [float(line.split()[4]) for line in lines if line.startswith("exploring")]
    assert len(exploring) > 10 and all(0 <= f <= 1 for f in exploring)
    assert len(set(exploring)) > 5 and exploring[-1] < 0.05  # it moves, and ends near the 1 % target
    final = p.line(sampler)
    assert final.startswith("N_eff ") and float(final.split()[1].split("/")[0].replace(",", "")) >= 300
