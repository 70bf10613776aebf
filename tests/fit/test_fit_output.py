"""Ctrl-C and ``kill -9`` during ``clusterfit fit`` leave the previous results folder as it was (issue 18).

Each case runs ``fit --overwrite`` over a copy of a complete results folder (with a user's ``notes.txt`` and
``sub/keep.dat`` in it) in a child process (``interrupted_fit.py``) that stops at a pause point — during the
search, during writing, during plotting, or inside nautilus's network training, whose scikit-learn loop
swallows KeyboardInterrupt — and signals the test, which then sends SIGINT or SIGKILL. The folder must be
byte-for-byte (and mode-for-mode) what it was; after SIGKILL a hidden staging folder may remain, which the
next run removes (tests/test_output.py).
"""

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import clusterfit
from clusterfit import example_folder

CHILD = Path(__file__).with_name("interrupted_fit.py")
FAST = ["--n-live", "50", "--n-eff", "50", "--n-networks", "1"]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and folder under ``folder`` except staging folders: (bytes, mode)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0].startswith(".clusterfit-staging-"):
            continue
        out[str(rel)] = (p.read_bytes() if p.is_file() else b"<dir>", p.stat().st_mode)
    return out


def child(point: str, ready: Path, evaluation: Path, *argv: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(clusterfit.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, str(CHILD), point, str(ready), str(evaluation), "--", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)


def wait_ready(proc: subprocess.Popen, ready: Path, timeout: float = 240.0) -> None:
    t0 = time.monotonic()
    while not ready.exists():
        if proc.poll() is not None:
            pytest.fail(f"the child ended (rc {proc.returncode}) before its pause point:\n"
                        + proc.stdout.read().decode(errors="replace"))
        if time.monotonic() - t0 > timeout:
            proc.kill()
            pytest.fail("the child did not reach its pause point")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A dataset, the pickled evaluation of its table values, and a complete results folder of it."""
    from clusterfit.fit.evaluate import evaluate_model
    from clusterfit.fit.run import prepare
    from clusterfit.simulate import simulate

    root = tmp_path_factory.mktemp("interrupt")
    dataset = simulate(example_folder(), root / "dataset", seed=2)
    composed = prepare(dataset)
    evaluation = root / "evaluation.pkl"
    evaluation.write_bytes(pickle.dumps(evaluate_model(composed, composed.vector_from_tables())))
    results = root / "results"
    proc = child("none", root / "ready", evaluation, "fit", str(dataset), "-o", str(results))
    out = proc.communicate(timeout=300)[0].decode(errors="replace")
    assert proc.returncode == 0, out
    (results / "notes.txt").write_text("my notes\n")
    (results / "sub").mkdir()
    (results / "sub" / "keep.dat").write_bytes(b"\x00keep")
    return dataset, results, evaluation


def interrupted(previous, tmp_path: Path, point: str, sig: int) -> tuple[Path, dict, subprocess.Popen, str]:
    dataset, results, evaluation = previous
    folder = tmp_path / "results"
    shutil.copytree(results, folder)
    before = snapshot(folder)
    ready = tmp_path / "ready"
    proc = child(point, ready, evaluation, "fit", str(dataset), "-o", str(folder), "--overwrite", *FAST)
    wait_ready(proc, ready)
    os.kill(proc.pid, sig)
    out = proc.communicate(timeout=120)[0].decode(errors="replace")
    return folder, before, proc, out


@pytest.mark.parametrize("point", ["search", "write", "plot"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_fit_leaves_the_previous_results_as_they_were(previous, tmp_path, point, sig):
    folder, before, proc, out = interrupted(previous, tmp_path, point, sig)
    assert snapshot(folder) == before
    staging = [p.name for p in folder.iterdir() if p.name.startswith(".clusterfit-staging-")]
    if sig == signal.SIGINT:
        assert proc.returncode == 130, out
        assert "interrupted" in out and "Traceback" not in out, out
        assert staging == []
    else:
        assert proc.returncode == -signal.SIGKILL
        assert len(staging) <= 1


def test_ctrl_c_during_network_training_stops_the_fit(previous, tmp_path):
    """scikit-learn's MLP training catches KeyboardInterrupt; the fit must still stop (exit 130)."""
    folder, before, proc, out = interrupted(previous, tmp_path, "training", signal.SIGINT)
    assert proc.returncode == 130, out
    assert "Training interrupted by user" in out or "interrupted" in out
    assert snapshot(folder) == before
