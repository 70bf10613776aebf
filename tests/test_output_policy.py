"""Issue 18's data-loss sequences through the command line: user files survive byte for byte, output = input
is refused (or, for ``simulate``, an in-place edit of point_datasets.csv only), ``-o`` a file / ``.`` /
a read-only place gives a clear error and no traceback, and written files follow the umask.
(Interrupted and killed fits, and the README loop with a fit: tests/fit/test_fit_output.py.)"""

import os
import shutil
import stat
from pathlib import Path

import pytest

from clusterfit import example_folder, load_model, save_model
from clusterfit.cli import main
from clusterfit.tables import TABLE_FILES


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def add_user_files(folder: Path) -> None:
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "keep.dat").write_bytes(b"\x00\xffkeep")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    from clusterfit.simulate import simulate

    return simulate(example_folder(), tmp_path_factory.mktemp("policy") / "ds", seed=5)


@pytest.fixture
def ds(dataset, tmp_path) -> Path:
    """A writable copy of the simulated dataset with a user's notes.txt and sub/keep.dat."""
    out = tmp_path / "my_cluster"
    shutil.copytree(dataset, out)
    add_user_files(out)
    return out


def run(capsys, *argv) -> tuple[int, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    text = " ".join((out.out + out.err).split())
    assert "Traceback" not in text
    return rc, text


def test_simulate_into_its_own_folder_replaces_only_point_datasets(ds, capsys):
    """The README loop: edit mass.csv, `simulate my_cluster -o my_cluster --overwrite`."""
    (ds / "results").mkdir()
    (ds / "results" / "samples.csv").write_text("weight\n1\n")
    mass = ds / "mass.csv"
    mass.write_text(mass.read_text().replace("350.0", "400.0"))
    before = snapshot(ds)
    rc, out = run(capsys, "simulate", ds, "-o", ds)
    assert rc == 1 and "pass --overwrite" in out
    assert snapshot(ds) == before
    rc, out = run(capsys, "simulate", ds, "-o", ds, "--overwrite")
    assert rc == 0, out
    after = snapshot(ds)
    assert after.pop("point_datasets.csv") != before.pop("point_datasets.csv")
    assert after.pop("clusterfit_manifest.json")
    before.pop("clusterfit_manifest.json")
    assert after == before  # model tables, results/, notes.txt, sub/keep.dat byte for byte


def test_simulate_over_an_earlier_dataset_keeps_user_files(ds, tmp_path, capsys):
    before = snapshot(ds)
    rc, out = run(capsys, "simulate", example_folder(), "-o", ds, "--overwrite", "--seed", "9")
    assert rc == 0, out
    after = snapshot(ds)
    for name in ("notes.txt", "sub", "sub/keep.dat"):
        assert after[name] == before[name]


def test_fit_into_its_dataset_folder_is_refused(ds, capsys):
    before = snapshot(ds)
    for out_arg in (ds, ds / "." , ds / ".." / ds.name):
        rc, out = run(capsys, "fit", ds, "-o", out_arg, "--overwrite")
        assert rc == 1 and "is the input folder" in out and "my_cluster/results" in out, out
    cwd = os.getcwd()
    try:
        os.chdir(ds)
        rc, out = run(capsys, "fit", ".", "-o", ".")
        assert rc == 1 and "is the input folder" in out
    finally:
        os.chdir(cwd)
    assert snapshot(ds) == before


def test_export_autolens_never_deletes_the_model_or_user_files(ds, tmp_path, capsys):
    before = snapshot(ds)
    rc, out = run(capsys, "export-autolens", ds, "-o", ds, "--overwrite")
    assert rc == 1 and "is the input folder" in out
    assert snapshot(ds) == before
    other = tmp_path / "for_autolens"
    shutil.copytree(ds, other)  # an existing folder with priors.csv, scaling tables and user files
    kept = {n: (other / n).read_bytes() for n in ("priors.csv", "scaling_galaxies.csv",
                                                  "scaling_relations.csv", "notes.txt", "sub/keep.dat")}
    rc, out = run(capsys, "export-autolens", ds, "-o", other)
    assert rc == 1 and "pass --overwrite" in out
    rc, out = run(capsys, "export-autolens", ds, "-o", other, "--overwrite")
    assert rc == 0, out
    assert {n: (other / n).read_bytes() for n in kept} == kept
    assert "note:" in out and "priors.csv was not written by this export-autolens" in out
    assert (other / "load_in_autolens.py").exists()


def test_import_lenstool_never_removes_tables(ds, tmp_path, capsys):
    par = tmp_path / "lt" / "model.par"
    assert run(capsys, "export-lenstool", example_folder(), "-o", par)[0] == 0
    empty = tmp_path / "empty.par"
    empty.write_text("runmode\n\treference 3 0 0\n\tend\nfini\n")
    before = snapshot(ds)
    rc, out = run(capsys, "import-lenstool", empty, "-o", ds, "--overwrite")
    assert rc == 1 and "empty.par" in out  # an incomplete .par is an error naming it
    assert snapshot(ds) == before
    rc, out = run(capsys, "import-lenstool", par, "-o", ds)
    assert rc == 1 and "pass --overwrite" in out
    rc, out = run(capsys, "import-lenstool", par, "-o", ds, "--overwrite")
    assert rc == 0, out
    after = snapshot(ds)
    for name in ("notes.txt", "sub/keep.dat", "light.csv", "point_datasets.csv"):
        assert after[name] == before[name], name  # not written by import-lenstool: left as they were
    assert "light.csv was not written by this import-lenstool" in out


def test_export_lenstool_replaces_only_its_files(tmp_path, capsys):
    folder = tmp_path / "lt"
    folder.mkdir()
    add_user_files(folder)
    (folder / "other.par").write_text("mine\n")
    before = snapshot(folder)
    assert run(capsys, "export-lenstool", example_folder(), "-o", folder / "a.par")[0] == 0
    rc, out = run(capsys, "export-lenstool", example_folder(), "-o", folder / "a.par")
    assert rc == 1 and "pass --overwrite" in out
    assert run(capsys, "export-lenstool", example_folder(), "-o", folder / "b.par", "--overwrite")[0] == 0
    after = snapshot(folder)
    assert {n: after[n] for n in before} == before
    assert {"a.par", "b.par", "a_sources.cat", "b_sources.cat"} <= set(after)  # b did not remove a


WRITERS = {
    "simulate": lambda m, o: ["simulate", m, "-o", o],
    "fit": lambda m, o: ["fit", m, "-o", o],
    "export-autolens": lambda m, o: ["export-autolens", m, "-o", o],
    "import-lenstool": None,  # needs a .par: below
    "demo": lambda m, o: ["demo", "-o", o],
}


@pytest.mark.parametrize("command", list(WRITERS))
def test_output_a_file_is_a_clear_error(ds, tmp_path, capsys, command):
    target = tmp_path / "existing_file"
    target.write_text("mine\n")
    if command == "import-lenstool":
        par = tmp_path / "m.par"
        assert run(capsys, "export-lenstool", example_folder(), "-o", par)[0] == 0
        argv = ["import-lenstool", par, "-o", target]
    else:
        argv = WRITERS[command](ds, target)
    rc, out = run(capsys, *argv)
    assert rc == 1 and "is a file, not a folder" in out, out
    assert target.read_text() == "mine\n"


def test_export_lenstool_to_a_folder_is_a_clear_error(tmp_path, capsys):
    rc, out = run(capsys, "export-lenstool", example_folder(), "-o", tmp_path)
    assert rc == 1 and "is a folder; give the path of the .par file" in out


@pytest.mark.parametrize("argv", [["simulate", "{m}", "-o", "{ro}/x"], ["fit", "{m}", "-o", "{ro}/x"],
                                  ["export-autolens", "{m}", "-o", "{ro}/x"],
                                  ["export-lenstool", "{m}", "-o", "{ro}/x.par"]],
                         ids=lambda a: a[0])
def test_a_read_only_output_is_a_clear_error(ds, tmp_path, capsys, argv):
    if os.geteuid() == 0:  # root writes anywhere but on a read-only file system
        ro = Path("/sys/clusterfit_test")
        if not Path("/sys").is_dir() or os.access("/sys", os.W_OK) and _writable("/sys"):
            pytest.skip("no read-only place to test as root")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
    rc, out = run(capsys, *[a.format(m=ds, ro=ro) for a in argv])
    assert rc == 1 and "cannot write in" in out and "choose an output folder you can write to" in out, out


def _writable(folder: str) -> bool:
    try:
        os.mkdir(Path(folder) / "clusterfit_probe")
    except OSError:
        return False
    os.rmdir(Path(folder) / "clusterfit_probe")
    return True


def test_dot_as_output_writes_into_the_current_folder(ds, tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    add_user_files(work)
    cwd = os.getcwd()
    try:
        os.chdir(work)
        rc, out = run(capsys, "export-autolens", ds, "-o", ".")
    finally:
        os.chdir(cwd)
    assert rc == 0, out
    assert (work / "mass.csv").exists() and (work / "notes.txt").read_text() == "my notes\n"


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)],
                         ids=["022", "027"])
def test_written_files_follow_the_umask(tmp_path, capsys, mask, file_mode, dir_mode):
    old = os.umask(mask)
    try:
        assert run(capsys, "simulate", example_folder(), "-o", tmp_path / "new" / "ds", "--no-noise",
                   "--imaging")[0] == 0
        assert run(capsys, "export-autolens", tmp_path / "new" / "ds", "-o", tmp_path / "new" / "al")[0] == 0
        assert run(capsys, "export-lenstool", tmp_path / "new" / "ds", "-o", tmp_path / "new" / "lt" / "m.par")[0] == 0
        assert run(capsys, "import-lenstool", tmp_path / "new" / "lt" / "m.par", "-o", tmp_path / "new" / "im")[0] == 0
        save_model(load_model(example_folder()), tmp_path / "new" / "saved")  # the library writer too
    finally:
        os.umask(old)
    written = list((tmp_path / "new").rglob("*"))
    assert {p.name for p in written} >= {"data.fits", "data.png", "psf.fits", "load_in_autolens.py",
                                         "m.par", "clusterfit_manifest.json", *TABLE_FILES[:2]}
    for p in [tmp_path / "new", *written]:
        want = dir_mode if p.is_dir() else file_mode
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))
