"""scripts/cluster/simulator.py simulates the example from its CSVs (no hard-coded numbers)."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster" / "simulator.py"


@pytest.mark.slow
def test_simulator_script_writes_a_dataset_folder(tmp_path):
    out = tmp_path / "ds"
    run = subprocess.run([sys.executable, str(SCRIPT), "", str(out)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "point_0: 5 images at z = 1.5" in run.stdout
    assert (out / "point_datasets.csv").exists() and (out / "mass.csv").exists()
