"""The up-front memory estimate: agrees with XLA's own figure, and a model too large for the machine is
refused with what to do, not a JAX out-of-memory traceback."""

from __future__ import annotations

import random
import shutil

import jax
import numpy as np
import pytest

from clusterfit import example_folder
from clusterfit.cli import main
from clusterfit.model import memory
from clusterfit.model.compose import compose
from clusterfit.physics.solver import ImageSolver
from clusterfit.tables import load_model


def _with_members(tmp_path, n: int):
    folder = tmp_path / f"m{n}"
    shutil.copytree(example_folder(), folder)
    (folder / "priors.csv").unlink()
    rng = random.Random(1)
    rows = [f"{rng.uniform(-60, 60)},{rng.uniform(-60, 60)},{rng.uniform(0.01, 1)},0.3" for _ in range(n)]
    (folder / "scaling_galaxies.csv").write_text("y,x,luminosity,redshift\n" + "\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("n", [300])
def test_estimate_matches_xla_temporaries(tmp_path, n):
    """XLA's temporaries of the deflection call at the solver's chunk size, against the estimate."""
    composed = compose(load_model(_with_members(tmp_path, n)))
    params = composed.group_params(composed.vector_from_tables())
    m = ImageSolver._MAP_CHUNK
    compiled = jax.jit(composed.tracer.ray_trace).lower(params, np.zeros(m), np.ones(m), 1).compile()
    xla = compiled.memory_analysis().temp_size_in_bytes
    sizes = {s.profile_class: len(s.rows) if s.relation is None else n for s in composed.groups}
    estimate = memory.map_memory_bytes(sizes)
    assert 0.8 * xla <= estimate <= 1.5 * xla, (estimate, xla)


def test_too_many_members_is_refused_up_front(tmp_path, monkeypatch, capsys):
    folder = _with_members(tmp_path, 100_000)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 8_000_000_000)
    assert main(["simulate", str(folder), "-o", str(tmp_path / "out")]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "100,003 mass profiles" in out and "GB to evaluate" in out and "Keep at most about" in out
    assert not (tmp_path / "out").exists()
