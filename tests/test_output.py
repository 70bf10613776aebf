"""The output policy's one implementation (clusterfit.output): staging, commit, manifest, stale files,
umask permissions, refusals (issue 18)."""

import json
import os
import stat
from pathlib import Path

import pytest

from clusterfit.output import MANIFEST, OutputError, output_folder, read_manifest, write_atomic


def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}


@pytest.fixture
def umask():
    """Set the process umask for one test (restored after)."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def test_commit_writes_every_file_and_a_manifest_naming_them(tmp_path):
    with output_folder(tmp_path / "out", "cmd") as out:
        out.write("a.csv", "x\n1\n")
        out.write("b.txt", b"\x00\x01")
        assert not (tmp_path / "out" / "a.csv").exists()  # nothing in place before the commit
    assert (tmp_path / "out" / "a.csv").read_text() == "x\n1\n"
    entry = read_manifest(tmp_path / "out")["runs"]["cmd"]
    assert entry["status"] == "complete" and set(entry["files"]) == {"a.csv", "b.txt"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv", "b.txt", MANIFEST]


def test_an_error_leaves_the_folder_as_it_was_and_removes_what_it_created(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.csv").write_text("old")
    for exc in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(exc), output_folder(tmp_path / "out", "cmd", overwrite=True) as out:
            out.write("a.csv", "new")
            raise exc
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.csv"]
    assert (tmp_path / "out" / "a.csv").read_text() == "old"
    with pytest.raises(RuntimeError), output_folder(tmp_path / "new" / "deeper", "cmd"):
        raise RuntimeError
    assert not (tmp_path / "new").exists()  # the folders it made are gone again


def test_only_owned_files_are_replaced_and_stale_ones_of_its_own_run_removed(tmp_path):
    folder = tmp_path / "out"
    with output_folder(folder, "cmd") as out:
        out.write_all({"a.csv": "1", "b.csv": "2", "c.csv": "3"})
    (folder / "notes.txt").write_text("mine")
    (folder / "c.csv").write_text("edited by hand")
    with pytest.raises(OutputError, match="already has a.csv; pass --overwrite"):
        with output_folder(folder, "cmd", owned=["a.csv"]):
            pass
    with output_folder(folder, "cmd", overwrite=True) as out:
        out.write("a.csv", "1 again")
    assert (folder / "a.csv").read_text() == "1 again"
    assert not (folder / "b.csv").exists()  # stale: written by the previous run, unchanged since
    assert (folder / "c.csv").read_text() == "edited by hand"  # edited since: kept, with a note
    assert any("c.csv" in n and "edited since" in n for n in out.notes)
    assert (folder / "notes.txt").read_text() == "mine"
    assert out.removed == ["b.csv"]


def test_other_commands_files_are_never_stale(tmp_path):
    folder = tmp_path / "out"
    with output_folder(folder, "one") as out:
        out.write("a.csv", "1")
    with output_folder(folder, "two") as out:
        out.write("b.csv", "2")
    with output_folder(folder, "two", overwrite=True) as out:
        out.write("c.csv", "3")
    assert (folder / "a.csv").exists() and not (folder / "b.csv").exists()
    runs = read_manifest(folder)["runs"]
    assert set(runs["one"]["files"]) == {"a.csv"} and set(runs["two"]["files"]) == {"c.csv"}


def test_output_equal_to_input_is_refused_unless_in_place(tmp_path):
    (tmp_path / "m").mkdir()
    with pytest.raises(OutputError, match="is the input folder"):
        with output_folder(tmp_path / "m", "cmd", inputs=[tmp_path / "m"]):
            pass
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path / "m")
        with pytest.raises(OutputError, match="output folder . is the input folder"):
            with output_folder(".", "cmd", inputs=[tmp_path / "m"]):
                pass
    finally:
        os.chdir(cwd)
    with output_folder(tmp_path / "m", "cmd", inputs=[tmp_path / "m"], in_place=True) as out:
        out.write("x.csv", "1")
    assert (tmp_path / "m" / "x.csv").exists()


def test_a_file_or_an_unwritable_place_is_refused_before_any_work(tmp_path, monkeypatch):
    (tmp_path / "f").write_text("a file")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        with output_folder(tmp_path / "f", "cmd"):
            pytest.fail("the block must not run")

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OutputError, match="cannot write in .*Permission denied"):
        with output_folder(tmp_path / "g", "cmd"):
            pytest.fail("the block must not run")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path):
    (tmp_path / "ro").mkdir(mode=0o555)
    with pytest.raises(OutputError, match="cannot write in"):
        with output_folder(tmp_path / "ro", "cmd"):
            pytest.fail("the block must not run")


def test_staging_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    folder = tmp_path / "out"
    dead = folder / ".clusterfit-staging-fit-999999999-abc123"  # no such process
    dead.mkdir(parents=True)
    (dead / "samples.csv").write_text("half")
    with output_folder(folder, "cmd") as out:
        out.write("a.csv", "1")
    assert not dead.exists()


def test_the_manifest_is_marked_writing_until_every_file_is_in_place(tmp_path, monkeypatch):
    """A kill between the renames leaves a manifest saying the run did not finish."""
    folder = tmp_path / "out"
    replace = os.replace
    seen = []

    def spy(src, dst):
        if Path(dst).name == "b.csv":
            seen.append(json.loads((folder / MANIFEST).read_text())["runs"]["cmd"]["status"])
        replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    with output_folder(folder, "cmd") as out:
        out.write_all({"a.csv": "1", "b.csv": "2"})
    assert seen == ["writing"]
    assert read_manifest(folder)["runs"]["cmd"]["status"] == "complete"


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750),
                                                      (0o002, 0o664, 0o775)])
def test_files_and_folders_follow_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    umask(mask)
    with output_folder(tmp_path / "a" / "b", "cmd") as out:
        out.write("x.csv", "1")
        (out.path("y.png")).write_bytes(b"png")  # written by a library, e.g. matplotlib
    write_atomic(tmp_path / "a" / "z.txt", "z")
    for name, mode in modes(tmp_path / "a").items():
        assert mode == (dir_mode if (tmp_path / "a" / name).is_dir() else file_mode), (name, oct(mode))
