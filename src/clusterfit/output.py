"""The output policy of every command (docs/output.md), implemented once.

* A command replaces only the files it writes (its tables, figures, report) and never deletes anything else
  in the output folder. Without ``overwrite`` it refuses to replace any file that exists already.
* Writing into the command's own input folder is refused unless the command edits in place (``in_place``).
* Every file is written into a hidden staging folder inside the output folder first (so a library such as
  matplotlib or astropy can write there too); only when the whole run succeeded are the files renamed into
  place, then ``clusterfit_manifest.json`` is written last, naming the run and the hash of each file. An
  interrupted run (an exception, Ctrl-C, a kill before the commit) leaves the folder as it was.
* Files of this command's previous run that this run does not write again are removed if they are unchanged
  since that run wrote them (the manifest records their hashes); anything else is left alone.
* Files and folders get the permissions of the user's umask (0644/0755 under umask 022), never the 0600/0700
  of temporary-file defaults.
* The output folder is created and checked writable when the command starts, before any long work.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import secrets
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MANIFEST", "OutputError", "Output", "output_folder", "atomic_path", "write_atomic",
           "write_files_atomic", "check_writable_file", "read_manifest"]

MANIFEST = "clusterfit_manifest.json"
_STAGING = ".clusterfit-staging-"


class OutputError(ValueError):
    """An output path the policy refuses (exists as a file, is the input, not writable, would overwrite)."""


def _umask() -> int:
    """The process umask: read from /proc where it can be (setting it to read it races other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mkdir(path: Path) -> list[Path]:
    """``mkdir -p`` with umask permissions; returns the folders it created, outermost first."""
    created: list[Path] = []
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        created.append(d)
    return created


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A fresh temporary name beside ``path`` to write to; renamed over ``path`` when the block succeeds,
    removed when it fails. The writer creates the file, so it gets the umask's permissions."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_synced(path: Path, data: str | bytes) -> None:
    """Create ``path`` (it must not exist) with ``data`` (text as UTF-8), fsync'd."""
    with open(path, "xb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())


def _move_into_place(moves: Iterable[tuple[Path, Path]]) -> None:
    """The swap of every atomic write: rename each written (temporary, target) pair over its target,
    with SIGINT/SIGTERM held until all are in place."""
    with _signals_deferred():
        for tmp, target in moves:
            os.replace(tmp, target)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file, fsync'd, then renamed."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_synced(tmp, data)
    return path


def write_files_atomic(folder: str | os.PathLike, contents: dict[str, str | bytes],
                       remove: Iterable[str] = ()) -> None:
    """Write every file of ``contents`` into ``folder``: all temporaries first, then the renames, so an error
    while writing leaves every old file intact. Names in ``remove`` are deleted after the renames."""
    folder = Path(folder)
    _mkdir(folder)
    temporaries: list[tuple[Path, Path]] = []
    try:
        for name, data in contents.items():
            tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
            temporaries.append((tmp, folder / name))
            _write_synced(tmp, data)
    except BaseException:
        for tmp, _ in temporaries:
            tmp.unlink(missing_ok=True)
        raise
    _move_into_place(temporaries)
    for name in remove:
        if name not in contents:
            (folder / name).unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | os.PathLike) -> dict:
    """The folder's manifest (``{"runs": {command: entry}}``); empty when missing or unreadable."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"runs": {}}
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict):
        return {"runs": {}}
    return data


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _unwritable(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write in {path}: {reason}; choose an output folder you can write to "
                       "(nothing was written)")


def check_writable_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Refuse an output *file* path that is a folder or whose folder cannot be written (created if needed)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give the path of the {what} to write "
                          f"(for example {path / 'model.par'})")
    try:
        _mkdir(path.parent)
        probe = path.parent / f"{_STAGING}probe-{os.getpid()}-{secrets.token_hex(3)}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise _unwritable(path.parent, exc) from None
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_dead_staging(folder: Path) -> None:
    """Remove staging folders left by killed runs of any command (their process is gone)."""
    import shutil

    for p in folder.glob(f"{_STAGING}*"):
        parts = p.name[len(_STAGING):].split("-")
        if len(parts) >= 2 and parts[-2].isdigit() and not _pid_alive(int(parts[-2])):
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while files are renamed into place (delivered right after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    mask = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@dataclass
class Output:
    """An open output folder: write into :meth:`path` / :meth:`write` (the staging folder) during the run.

    After the ``with`` block of :func:`output_folder`, ``written`` lists the files put in place, ``removed``
    the stale ones of the previous run, and ``notes`` what a user should know (files left in place)."""

    folder: Path
    command: str
    staging: Path
    overwrite: bool
    inputs: tuple[Path, ...]
    companions: tuple[str, ...]
    key: str
    in_place: bool
    run: str
    started: str
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def path(self, name: str) -> Path:
        """Where to write the file ``name`` now (it reaches the output folder at the commit)."""
        if "/" in name or name in (MANIFEST, "", ".", "..") or name.startswith(_STAGING):
            raise ValueError(f"{name!r} cannot be an output file name")
        return self.staging / name

    def write(self, name: str, data: str | bytes) -> Path:
        with open(self.path(name), "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        return self.folder / name

    def write_all(self, contents: dict[str, str | bytes]) -> dict[str, Path]:
        return {name: self.write(name, data) for name, data in contents.items()}

    def _commit(self) -> None:
        names = sorted(p.name for p in self.staging.iterdir())
        if not self.overwrite:
            _refuse_existing(self.folder, names, self.command)
        for p in self.staging.iterdir():
            if not p.is_file() or p.is_symlink():
                raise OutputError(f"{self.command} staged {p.name}, which is not a plain file")
        files = {name: _sha256(self.staging / name) for name in names}
        for name in names:
            (self.staging / name).chmod(0o666 & ~_umask())
            with open(self.staging / name, "rb") as f:
                os.fsync(f.fileno())
        manifest = read_manifest(self.folder)
        runs = manifest["runs"]
        last = runs.get(self.key)
        # in place, the earlier run's other files are the input now (edited by the user): never stale
        previous = last.get("files", {}) if isinstance(last, dict) and not self.in_place else {}
        if not isinstance(previous, dict):
            previous = {}
        for cmd, entry in runs.items():  # a file this run writes now belongs to this run only
            if cmd != self.key and isinstance(entry, dict) and isinstance(entry.get("files"), dict):
                entry["files"] = {n: h for n, h in entry["files"].items() if n not in files}
        entry = {"command": self.command, "run": self.run, "status": "writing", "started": self.started,
                 "finished": None, "clusterfit": _version(), "inputs": [str(p) for p in self.inputs],
                 "files": files}
        runs[self.key] = entry
        manifest = {"clusterfit_manifest": 1, "runs": runs}
        with _signals_deferred():
            write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
            _move_into_place((self.staging / name, self.folder / name) for name in names)
            for name, digest in sorted(previous.items()):
                if name in files or not isinstance(digest, str) or "/" in name or name.startswith("."):
                    continue  # kept, or not a plain name of this folder (a hand-edited manifest)
                old = self.folder / name
                if old.is_file() and _sha256(old) == digest:
                    old.unlink()
                    self.removed.append(name)
                elif old.exists():
                    self.notes.append(f"{old} was written by an earlier {self.command} but edited since; "
                                      "left as it is")
            entry.update(status="complete", finished=_now())
            write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
            self.staging.rmdir()
        self.written = names
        for name in self.companions:
            if name not in files and (self.folder / name).is_file():
                self.notes.append(f"{self.folder / name} was not written by this {self.command} and is left as "
                                  "it was; the folder is read with it")


def _version() -> str:
    from ._version import __version__

    return __version__


def _refuse_existing(folder: Path, names: Iterable[str], command: str) -> None:
    existing = sorted(n for n in names if (folder / n).exists())
    if existing:
        raise OutputError(f"{folder} already has {', '.join(existing)}; pass --overwrite to replace "
                          f"{'them' if len(existing) > 1 else 'it'} ({command} never touches the other "
                          "files there), or choose another output folder")


@contextlib.contextmanager
def output_folder(folder: str | os.PathLike, command: str, *, owned: Iterable[str] = (),
                  inputs: Iterable[str | os.PathLike] = (), in_place: bool = False, overwrite: bool = False,
                  companions: Iterable[str] = (), key: str | None = None) -> Iterator[Output]:
    """Open ``folder`` for ``command`` under the output policy; commit when the block succeeds.

    Checked now, before any long work: ``folder`` is not a file; it is none of ``inputs`` unless
    ``in_place``; without ``overwrite`` none of the ``owned`` names (those the command knows it will write)
    exists there; it can be created and written. ``companions``: names which, left from elsewhere beside
    what was written, change how the folder reads (the model tables) — reported in ``notes``. ``key``: the
    manifest entry of this run (default ``command``); an earlier run's files are stale only under the same
    key, and never when the command edits its input folder in place."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; give a folder path for the output "
                          f"(for example {folder.with_name(folder.name + '_out')})")
    inputs = tuple(Path(p) for p in inputs)
    same = any(_same(folder, p) for p in inputs)
    if same and not in_place:
        for p in inputs:
            if _same(folder, p):
                shown = "." if str(folder) in ("", ".") else str(folder)
                raise OutputError(f"the output folder {shown} is the input folder {p}: {command} would replace "
                                  f"your input tables; write to another folder (for example {p / 'results'})")
    if not overwrite:
        _refuse_existing(folder, owned, command)
    try:
        created = _mkdir(folder)
        _remove_dead_staging(folder)
        staging = folder / f"{_STAGING}{command}-{os.getpid()}-{secrets.token_hex(3)}"
        staging.mkdir()
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    out = Output(folder, command, staging, overwrite, inputs, tuple(companions), key or command, same,
                 run=f"{_dt.datetime.now(_dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}",
                 started=_now())
    try:
        yield out
        out._commit()
    except BaseException:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
        for d in reversed(created):  # only folders this run made, and only if still empty
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
