"""tests/data/bad/: one folder per bad input; every command that reads it exits 1 with file, line and
column (or 0 with the documented warning), never a traceback; ``load_model`` finds what ``validate`` finds.

Each folder's ``expected.txt`` holds ``exit:``, ``commands:`` (validate, show, simulate, evaluate, fit)
and ``expect:`` lines, each a fragment that the output of every command must contain.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from clusterfit.cli import main
from clusterfit.tables import CsvErrors, load_model, validate_folder
from clusterfit.tables.errors import CsvWarning

BAD = Path(__file__).parents[1] / "data" / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if (p / "expected.txt").exists())


def expected(case: str) -> tuple[int, list[str], dict[str, list[str]]]:
    """(exit code, commands, fragments by command); ``expect:`` lines apply to every command,
    ``expect show: ...`` to one."""
    exit_, commands, fragments = 1, [], {}
    text = (BAD / case / "expected.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if key == "exit":
            exit_ = int(value)
        elif key == "commands":
            commands = [c.strip() for c in value.split(",")]
        elif key.startswith("expect"):
            fragments.setdefault(key.removeprefix("expect").strip() or "*", []).append(value)
    return exit_, commands, fragments


def run(argv: list[str], capsys) -> tuple[int, str]:
    rc = main(argv)  # an exception other than SystemExit fails the test: no traceback reaches a user
    out = capsys.readouterr()
    return rc, " ".join((out.out + out.err).split())


def _argv(command: str, folder: Path, tmp: Path) -> list[str]:
    if command in ("simulate", "fit"):
        extra = ["--search", "laplace", "--n-starts", "1", "--n-samples", "50"] if command == "fit" else []
        return [command, str(folder), "-o", str(tmp / f"out_{command}"), *extra]
    return [command, str(folder)]


def test_every_case_has_a_folder():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_commands_report_the_cell(case, tmp_path, capsys):
    rc_expected, commands, fragments = expected(case)
    folder = tmp_path / case
    shutil.copytree(BAD / case, folder)
    for command in commands:
        rc, out = run(_argv(command, folder, tmp_path), capsys)
        assert "Traceback" not in out
        assert rc == rc_expected, f"{command} on {case}: exit {rc}\n{out}"
        for fragment in fragments.get("*", []) + fragments.get(command, []):
            assert " ".join(fragment.split()) in out, f"{command} on {case}: {fragment!r} not in\n{out}"


@pytest.mark.parametrize("case", CASES)
def test_load_model_finds_what_validate_finds(case):
    """Nothing in validate's list is checked only later: load_model raises the same errors and issues
    the same warnings."""
    found: list[CsvWarning] = []
    errors = validate_folder(BAD / case, found)
    with warnings.catch_warnings(record=True) as issued:
        warnings.simplefilter("always")
        try:
            load_model(BAD / case)
        except CsvErrors as exc:
            assert [e.format() for e in exc.errors] == [e.format() for e in errors]
        else:
            assert errors == []
    assert [str(w.message) for w in issued if issubclass(w.category, CsvWarning)] == \
        [w.format() for w in found]


def test_simulate_refuses_a_noise_validate_would_refuse(tmp_path, capsys):
    from clusterfit import example_folder

    rc, out = run(["simulate", str(example_folder()), "-o", str(tmp_path / "o"), "--positions-noise", "1e-300"],
                  capsys)
    assert rc == 1 and "--positions-noise 1e-300: needs 1e-05 ≤ positions_noise ≤ 100" in out
    assert not (tmp_path / "o").exists()
