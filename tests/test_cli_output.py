"""The command line as a tool: --version, defaults in every help, --json on every subcommand with errors as
JSON on stderr and the documented exit codes (docs/cli.md), plain tables when piped, escaped units, long
tables summarised by show."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clusterfit import __version__, cli, example_folder
from clusterfit.cli import build_parser, main

BOX = re.compile("[\u2500-\u257f]")  # box-drawing characters


def run_json(capsys, *argv) -> tuple[int, dict | None, dict | None]:
    """(exit code, the JSON of stdout or None, the JSON of stderr or None); stdout holds JSON or nothing."""
    rc = main([str(a) for a in (*argv, "--json")])
    out = capsys.readouterr()
    result = json.loads(out.out) if out.out.strip() else None
    error = json.loads(out.err.strip().splitlines()[-1]) if out.err.strip().startswith("{") else None
    assert "Traceback" not in out.err
    return rc, result, error


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"clusterfit {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_argument_has_help_and_the_help_shows_defaults(capsys):
    subs = _subparsers(build_parser())
    assert set(subs) >= {"show", "validate", "diff", "simulate", "evaluate", "import-lenstool",
                         "export-lenstool", "export-autolens", "fit", "demo"}
    for name, p in subs.items():
        for action in p._actions:
            assert action.help, f"{name} {action.dest}: no help"
        assert any(a.dest == "json" for a in p._actions), f"{name}: no --json"
        text = p.format_help()
        for action in p._actions:
            if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
                assert f"(default: {action.default})" in " ".join(text.split()), f"{name} {action.dest}"
    fit_help = " ".join(subs["fit"].format_help().split())
    assert "--n-live N_LIVE nautilus live points (default: 300)" in fit_help


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """The example simulated (points only) with two free parameters: a fit of seconds."""
    folder = tmp_path_factory.mktemp("cli") / "ds"
    assert main(["simulate", str(example_folder()), "-o", str(folder)]) == 0
    (folder / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                       "lens_0,mass,sigma,Uniform,300.0,400.0,,\n"
                                       "lens_1,mass,sigma,Uniform,200.0,350.0,,\n")
    return folder


def test_json_of_the_reading_commands_parses(dataset, capsys, tmp_path):
    rc, show, _ = run_json(capsys, "show", dataset)
    assert rc == 0 and show["tables"]["mass.csv"]["rows"][1]["galaxy"] == "lens_0"
    assert show["tables"]["mass.csv"]["rows"][1]["line"] == 3 and show["free_parameters"][0]["name"] == \
        "lens_0.mass.sigma"
    rc, valid, _ = run_json(capsys, "validate", dataset)
    assert rc == 0 and valid["folder"] == str(dataset) and valid["valid"] is True and valid["errors"] == []
    rc, diff, _ = run_json(capsys, "diff", example_folder(), dataset)
    assert rc == 1 and {"file": "priors.csv", "key": "lens_0, mass, sigma", "column": "lower", "a": None,
                        "b": "300.0"} in diff["differences"]
    rc, diff, _ = run_json(capsys, "diff", dataset, dataset)
    assert rc == 0 and diff["differences"] == []
    rc, ev, _ = run_json(capsys, "evaluate", dataset)
    assert rc == 0 and ev["n_images"] == 15 and [s["name"] for s in ev["systems"]] == ["point_0", "point_1",
                                                                                       "point_2"]


def test_json_of_the_writing_commands_parses(dataset, capsys, tmp_path):
    rc, sim, _ = run_json(capsys, "simulate", dataset, "-o", tmp_path / "sim")
    assert rc == 0 and sim["output"] == str(tmp_path / "sim") and "point_datasets.csv" in sim["files"]
    par = tmp_path / "lt" / "model.par"
    rc, exp, _ = run_json(capsys, "export-lenstool", dataset, "-o", par)
    assert rc == 0 and exp["output"] == str(par) and par.exists()
    rc, imp, _ = run_json(capsys, "import-lenstool", par, "-o", tmp_path / "imported")
    assert rc == 0 and "mass.csv" in imp["files"]
    rc, al, _ = run_json(capsys, "export-autolens", dataset, "-o", tmp_path / "al")
    assert rc == 0 and "load_in_autolens.py" in al["files"]


@pytest.mark.slow
def test_fit_json_is_the_summary(dataset, capsys, tmp_path):
    rc, fit, _ = run_json(capsys, "fit", dataset, "-o", tmp_path / "res", "--search", "laplace",
                          "--n-starts", 1, "--n-samples", 500)
    assert rc == 0
    p, q = fit["parameters"]
    assert p["name"] == "lens_0.mass.sigma" and p["prior"] == "Uniform(300, 400)"
    assert 300 <= p["p16"] <= p["median"] <= p["p84"] <= 400 and q["name"] == "lens_1.mass.sigma"
    assert fit["n_images"] == 15 and fit["rms_arcsec"] < 0.2 and "summary.csv" in fit["files"]
    assert (fit["likelihood"], fit["search"]) == ("source", "laplace")  # auto resolved: 2 free parameters


@pytest.mark.parametrize("argv", [
    ["show", "{bad}"], ["validate", "{bad}"], ["diff", "{bad}", "{ds}"], ["evaluate", "{bad}"],
    ["simulate", "{bad}", "-o", "{tmp}/s"], ["import-lenstool", "{tmp}/none.par", "-o", "{tmp}/i"],
    ["export-lenstool", "{bad}", "-o", "{tmp}/x.par"], ["export-autolens", "{bad}", "-o", "{tmp}/a"],
    ["fit", "{bad}", "-o", "{tmp}/r"], ["demo", "-o", "{ds}/mass.csv"],
])
def test_errors_are_json_on_stderr_with_exit_code_1(argv, dataset, capsys, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(dataset, bad)
    (bad / "mass.csv").write_text("galaxy,attr_name,profile_class\nlens_0,mass,Nope\n")
    argv = [a.format(bad=bad, ds=dataset, tmp=tmp_path) for a in argv]
    rc, result, error = run_json(capsys, *argv)
    assert rc == 1, (result, error)
    if argv[0] == "validate":  # its result is the list of problems, on stdout
        assert result["valid"] is False and result["errors"][0]["column"] == "profile_class"
        return
    assert error["exit_code"] == 1 and error["kind"] == "invalid input", (result, error)
    assert result is None and error["error"]
    if argv[0] in ("show", "evaluate", "fit"):
        assert error["errors"][0] == {"file": "mass.csv", "line": 2, "column": "profile_class",
                                      "message": error["errors"][0]["message"], "hint": error["errors"][0]["hint"]}
        assert "unknown profile_class 'Nope'" in error["errors"][0]["message"]


def test_usage_errors_are_json_with_exit_code_2(capsys):
    with pytest.raises(SystemExit) as done:
        main(["evaluate", "--json", "--source", "nowhere", "x"])
    err = capsys.readouterr().err
    assert done.value.code == 2
    error = json.loads(err)
    assert error["exit_code"] == 2 and error["kind"] == "usage" and "--source" in error["error"]
    with pytest.raises(SystemExit) as done:  # without --json: argparse's own message, same code
        main(["evaluate", "--source", "nowhere", "x"])
    assert done.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, says", [("--chains", "0", "below 1"), ("--warmup", "10", "below 20"),
                                                 ("--seed", "-1", "below 0"),
                                                 ("--draws", "many", "not a whole number"),
                                                 ("--target-accept", "1.5", "between 0 and 1"),
                                                 ("--n-live", "0", "below 1")])
def test_search_settings_out_of_range_are_usage_errors_before_any_work(capsys, option, value, says):
    with pytest.raises(SystemExit) as done:
        main(["fit", "no-such-folder", "-o", "no-such-results", option, value])
    err = capsys.readouterr().err
    assert done.value.code == 2 and option in err and says in err, err


def test_interrupted_is_130_and_json(monkeypatch, capsys):
    def interrupted(args, console):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_show", interrupted)  # build_parser looks it up in cli
    assert main(["show", "x", "--json"]) == 130
    error = json.loads(capsys.readouterr().err)
    assert error["exit_code"] == 130 and error["kind"] == "interrupted"
    assert main(["show", "x"]) == 130 and "interrupted" in capsys.readouterr().out


def _cli(*argv, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    return subprocess.run([sys.executable, "-m", "clusterfit.cli", *map(str, argv)], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env=env)


def test_piped_evaluate_is_plain_text_with_its_units(dataset, tmp_path):
    out = _cli("evaluate", dataset, cwd=tmp_path)  # stdout is a pipe, as in `clusterfit evaluate DS | cat`
    assert out.returncode == 0, out.stderr
    assert not BOX.search(out.stdout), out.stdout
    header = next(line for line in out.stdout.splitlines() if line.startswith("system"))
    assert header.split() == ["system", "z", "images", "predicted", "missing", "extra", "rms", "[arcsec]",
                              "chi2"]
    assert re.search(r"^all +15 +0 +0 +0\.\d{4} ", out.stdout, flags=re.M)


def test_show_summarises_a_long_table_unless_all(tmp_path, capsys):
    folder = tmp_path / "big"
    shutil.copytree(example_folder(), folder)
    rows = "".join(f"{i % 97 - 48}.5,{i % 89 - 44}.25,0.5,0.3,20.0,{i}\n" for i in range(5000))
    (folder / "scaling_galaxies.csv").write_text("y,x,luminosity,redshift,mag,id\n" + rows)
    assert main(["show", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "scaling_galaxies.csv (5,000 rows)" in out and "4,970 rows not shown (lines 22–4991)" in out
    assert re.search(r"^ +21 ", out, flags=re.M) and re.search(r"^ *4992 ", out, flags=re.M)
    assert not re.search(r"^ *2500 ", out, flags=re.M) and not BOX.search(out)
    assert main(["show", str(folder), "--all"]) == 0
    assert re.search(r"^ *2500 ", capsys.readouterr().out, flags=re.M)
    rc, shown, _ = run_json(capsys, "show", folder)
    table = shown["tables"]["scaling_galaxies.csv"]
    assert table["n_rows"] == 5000 and table["rows_not_shown"] == 4970 and len(table["rows"]) == 30
    assert table["rows"][-1] == {"line": 5001, "y": "4.5", "x": "-29.25", "luminosity": "0.5",
                                 "redshift": "0.3", "mag": "20.0", "id": "4999"}
