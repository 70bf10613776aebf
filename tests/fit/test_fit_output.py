"""``clusterfit fit`` and the output policy (issue 18): Ctrl-C and ``kill -9`` during a fit leave the previous
results folder as it was; the README's edit-simulate-fit loop loses nothing; results follow the umask.

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

pytestmark = pytest.mark.slow  # end-to-end runs in child processes (about 2 min on 2 cores)

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


def test_the_readme_loop_keeps_results_and_user_files(previous, tmp_path, capsys):
    """`fit my_cluster -o my_cluster/results` (umask 027), user files, edit mass.csv, then
    `simulate my_cluster -o my_cluster --overwrite`: only point_datasets.csv changes; refitting without
    --overwrite is refused. The fit's files and folders follow the umask (0640/0750)."""
    import stat

    from clusterfit.cli import main

    dataset, _, evaluation = previous
    my = tmp_path / "my_cluster"
    shutil.copytree(dataset, my)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(clusterfit.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    umask = os.umask(0o027)  # inherited by the child
    try:
        done = subprocess.run([sys.executable, str(CHILD), "none", str(tmp_path / "ready"), str(evaluation),
                               "--", "fit", str(my), "-o", str(my / "results")], env=env, capture_output=True,
                              timeout=300)
    finally:
        os.umask(umask)
    assert done.returncode == 0, done.stdout.decode(errors="replace")
    results = [my / "results", *(my / "results").rglob("*")]
    assert {p.name for p in results} >= {"results", "samples.csv", "corner.png", "clusterfit_manifest.json"}
    for p in results:
        assert stat.S_IMODE(p.stat().st_mode) == (0o750 if p.is_dir() else 0o640), p
    (my / "notes.txt").write_text("my notes\n")
    (my / "sub").mkdir()
    (my / "sub" / "keep.dat").write_bytes(b"\x00keep")
    mass = my / "mass.csv"
    mass.write_text(mass.read_text().replace("350.0", "400.0"))
    before = snapshot(my)
    assert main(["simulate", str(my), "-o", str(my), "--overwrite"]) == 0
    after = snapshot(my)
    assert after.pop("point_datasets.csv") != before.pop("point_datasets.csv")
    assert after.pop("clusterfit_manifest.json") != before.pop("clusterfit_manifest.json")
    assert after == before  # results/, notes.txt, sub/keep.dat and the edited model, byte for byte
    capsys.readouterr()
    before = snapshot(my)
    assert main(["fit", str(my), "-o", str(my / "results")]) == 1
    assert "pass --overwrite" in " ".join(capsys.readouterr().out.split())
    assert snapshot(my) == before
