"""The command line: show, validate, diff, demo."""

from clusterfit import example_folder
from clusterfit.cli import main


def test_show_names_source_rows(capsys):
    assert main(["show", str(example_folder())]) == 0
    out = capsys.readouterr().out
    assert "mass.csv:3" in out and "lens_0.mass" in out and "dPIEMass(centre=(0, 0)" in out
    assert "scaling_galaxies.csv" in out and "free parameters: 10" in out


def test_diff_lists_changed_cells(example_copy, capsys):
    mass = example_copy / "mass.csv"
    mass.write_text(mass.read_text().replace("350.0", "360.0"))
    assert main(["diff", str(example_folder()), str(example_copy)]) == 1
    out = capsys.readouterr().out
    assert "mass.csv [lens_0, mass] sigma: '350.0' → '360.0'" in out
    assert main(["diff", str(example_folder()), str(example_folder())]) == 0
    assert "no differences" in capsys.readouterr().out


def test_show_reports_errors_not_tracebacks(example_copy, capsys):
    (example_copy / "mass.csv").write_text("galaxy,attr_name,profile_class\nlens_0,mass,Nope\n")
    assert main(["show", str(example_copy)]) == 1
    assert "unknown profile_class 'Nope'" in capsys.readouterr().out


def test_demo_refuses_an_earlier_demo_without_overwrite(tmp_path, capsys):
    """The demo writes dataset/, results/ and maps/; any of them already there (an earlier demo) needs
    --overwrite, checked before anything is simulated or written."""
    out = tmp_path / "demo"
    (out / "maps").mkdir(parents=True)
    (out / "maps" / "notes.txt").write_text("mine\n")
    assert main(["demo", "-o", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().out
    assert sorted(p.name for p in out.rglob("*")) == ["maps", "notes.txt"]
