"""Every error kind names file, line, column and gives a hint; validate lists them all."""

from pathlib import Path

import pytest

from clusterfit import CsvErrors, load_model, validate_folder
from clusterfit.cli import main


def write(folder: Path, name: str, text: str, encoding="utf-8") -> None:
    (folder / name).write_text(text, encoding=encoding)


def only_error(folder: Path):
    errors = validate_folder(folder)
    assert len(errors) == 1, [e.format() for e in errors]
    return errors[0]


MASS_HEAD = "galaxy,attr_name,profile_class,y,x,sigma,r_core,r_cut,redshift\n"
MASS_ROW = "lens_0,mass,dPIEMassSph,0.0,0.0,300.0,0.1,50.0,0.3\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path, "mass.csv", MASS_HEAD + MASS_ROW)
    return tmp_path


def check(err, file, line, column, message_part, hint_part):
    assert Path(err.path).name == file
    assert err.line == line
    assert err.column == column
    assert message_part in err.message, err.message
    assert hint_part in err.hint, err.hint
    assert isinstance(err, ValueError)


def test_valid_minimal_folder(folder):
    assert validate_folder(folder) == []


def test_unknown_column_suggests_nearest(folder):
    write(folder, "mass.csv", MASS_HEAD.replace("r_core", "r_cor") + MASS_ROW)
    errs = validate_folder(folder)
    unknown = [e for e in errs if "unknown column" in e.message][0]
    check(unknown, "mass.csv", 1, "r_cor", "unknown column 'r_cor'", "did you mean 'r_core'")


def test_unknown_profile_class_suggests_nearest(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace("dPIEMassSph", "dPIEMasSph"))
    check(only_error(folder), "mass.csv", 2, "profile_class", "unknown profile_class 'dPIEMasSph'",
          "did you mean 'dPIEMassSph'")


def test_non_numeric_cell(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace("300.0", "3OO"))
    check(only_error(folder), "mass.csv", 2, "sigma", "'3OO' is not a number", "plain number")


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_or_inf(folder, bad):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace("50.0", bad))
    check(only_error(folder), "mass.csv", 2, "r_cut", "not a finite number", "NaN and inf")


def test_cell_for_parameter_class_does_not_take(folder):
    head = "galaxy,attr_name,profile_class,y,x,ellipticity,sigma,r_core,r_cut,redshift\n"
    write(folder, "mass.csv", head + "lens_0,mass,dPIEMassSph,0.0,0.0,0.2,300.0,0.1,50.0,0.3\n")
    check(only_error(folder), "mass.csv", 2, "ellipticity", "dPIEMassSph takes no parameter",
          "empty this cell")


def test_missing_required_value_without_prior(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace("300.0", ""))
    check(only_error(folder), "mass.csv", 2, "sigma", "has no value for 'sigma'", "priors.csv")
    # ... and with a prior it is fine
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
          "lens_0,mass,sigma,Uniform,100,500,,\n")
    assert validate_folder(folder) == []


def test_duplicate_key(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW + MASS_ROW)
    check(only_error(folder), "mass.csv", 3, "attr_name", "already defined on line 2", "once per file")


def test_two_redshifts_within_family(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW + MASS_ROW.replace("mass,dPIE", "mass2,dPIE")
          .replace(",0.3\n", ",0.4\n"))
    check(only_error(folder), "mass.csv", 3, "redshift", "has redshift 0.4 here but 0.3 at mass.csv:2",
          "one galaxy has one redshift")


def test_two_redshifts_across_families(folder):
    write(folder, "light.csv", "galaxy,attr_name,profile_class,y,x,intensity,effective_radius,"
          "sersic_index,redshift\nlens_0,bulge,SersicSph,0.0,0.0,1.0,2.0,4.0,0.35\n")
    check(only_error(folder), "light.csv", 2, "redshift", "0.35 here but 0.3 at mass.csv:2",
          "same value")


def test_point_dataset_rows_disagree_on_redshift(folder):
    write(folder, "point_datasets.csv", "name,y,x,positions_noise,redshift\n"
          "point_0,1.0,2.0,0.05,2.0\npoint_0,-1.0,3.0,0.05,2.5\n")
    check(only_error(folder), "point_datasets.csv", 3, "redshift", "2.5 here but 2.0 on line 2",
          "share its redshift")


def test_prior_on_missing_parameter(folder):
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
          "lens_0,mass,sigmaa,Uniform,100,500,,\n")
    check(only_error(folder), "priors.csv", 2, "parameter", "has no parameter 'sigmaa'",
          "did you mean 'sigma'")


def test_prior_on_missing_galaxy(folder):
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
          "lens_1,mass,sigma,Uniform,100,500,,\n")
    check(only_error(folder), "priors.csv", 2, "galaxy", "no galaxy matches 'lens_1'",
          "did you mean 'lens_0'")


@pytest.mark.parametrize("row,column,message", [
    ("lens_0,mass,sigma,Uniform,500,100,,", "upper", "must be greater than lower"),
    ("lens_0,mass,sigma,Uniform,100,,,", "upper", "needs lower and upper"),
    ("lens_0,mass,sigma,LogUniform,0,100,,", "lower", "LogUniform needs lower > 0"),
    ("lens_0,mass,sigma,Gaussian,,,300,", "sigma", "Gaussian needs sigma > 0"),
    ("lens_0,mass,sigma,Gausian,,,300,10", "prior", "unknown prior 'Gausian'"),
    ("lens_0,mass,sigma,Uniform,100,500,abc,", "mean", "'abc' is not a number"),
])
def test_malformed_prior(folder, row, column, message):
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n" + row + "\n")
    err = only_error(folder)
    check(err, "priors.csv", 2, column, message, "")
    assert err.hint


def test_empty_file(folder):
    write(folder, "light.csv", "")
    check(only_error(folder), "light.csv", None, None, "the file is empty", "write a header")


def test_header_only_file(folder):
    write(folder, "light.csv", "galaxy,attr_name,profile_class\n")
    check(only_error(folder), "light.csv", None, None, "header but no rows", "delete the file")


def test_utf8_bom_is_accepted(folder):
    write(folder, "mass.csv", "\ufeff" + MASS_HEAD + MASS_ROW)
    assert validate_folder(folder) == []
    assert load_model(folder).mass[0].sigma == 300.0


def test_semicolon_delimited(folder):
    write(folder, "mass.csv", (MASS_HEAD + MASS_ROW).replace(",", ";"))
    check(only_error(folder), "mass.csv", 1, None, "semicolon-delimited", "','")


def test_ragged_row(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace(",0.3\n", ",0.3,7\n"))
    check(only_error(folder), "mass.csv", 2, None, "has 10 cells but the header has 9", "one cell per")


def test_line_numbers_skip_blank_lines(folder):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW + "\n" + MASS_ROW.replace("lens_0", "lens_1")
          .replace("300.0", "x"))
    check(only_error(folder), "mass.csv", 4, "sigma", "'x' is not a number", "")


def test_misspelt_table_name(folder):
    write(folder, "prior.csv", "galaxy,attr_name,parameter,prior\n")
    check(only_error(folder), "prior.csv", None, None, "unknown table", "did you mean 'priors.csv'")


def test_validate_lists_every_problem(folder, capsys):
    write(folder, "mass.csv", MASS_HEAD + MASS_ROW.replace("300.0", "abc") + MASS_ROW)
    write(folder, "light.csv", "")
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
          "lens_9,mass,sigma,Uniform,1,2,,\n")
    errors = validate_folder(folder)
    assert len(errors) == 4, [e.format() for e in errors]
    with pytest.raises(CsvErrors) as info:
        load_model(folder)
    assert len(info.value) == 4
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    for e in errors:
        assert e.format() in out.replace("\n  ", " ").replace("\n", " ") or e.message in out
    assert "4 problems" in out


def test_example_is_valid(capsys):
    from clusterfit import example_folder

    assert main(["validate", str(example_folder())]) == 0


@pytest.mark.parametrize("cls", ["linear.Sersic", "linear.Gaussian", "operated.Gaussian", "linear_operated.Sersic"])
def test_pyautolens_linear_light_profiles_are_refused(folder, cls):
    # the header and cells PyAutoLens 2026.10.26.1's galaxy_models_to_csv writes for lp_linear.Sersic
    write(folder, "light.csv", "galaxy,attr_name,profile_class,y,x,ell_comps_0,ell_comps_1,effective_radius,"
          f"sersic_index,redshift\nlens_0,bulge,{cls},0.1,0.2,0.0,0.0,0.6,4.0,0.3\n")
    qualifier, name = cls.split(".")
    check(only_error(folder), "light.csv", 2, "profile_class",
          f"clusterfit does not support {qualifier} light profiles", f"write the plain class '{name}'")


@pytest.mark.parametrize("rows,line,column", [
    ("lens_0,mass,r_cut,Uniform,0,80,,", 2, "lower"),  # r_core 0.1 is fixed; r_cut may fall below it
    ("lens_0,mass,r_core,Uniform,0,60,,", 2, "upper"),  # r_cut 50 is fixed; r_core may rise above it
    ("lens_0,mass,r_core,Uniform,0,5,,\nlens_0,mass,r_cut,Uniform,4,80,,", 3, "lower"),  # ranges overlap
    ("lens_0,mass,r_cut,Gaussian,,,50,10", 2, "lower"),  # untruncated: down to 0
])
def test_prior_letting_r_cut_reach_r_core(folder, rows, line, column):
    """A fit must never reach a dPIE with r_cut ≤ r_core (its normalisation r_cut/(r_cut − r_core)), which the
    tables refuse: it would write a best fit nobody can load. Priors that allow one are refused up front."""
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n" + rows + "\n")
    check(only_error(folder), "priors.csv", line, column, "lets r_cut reach r_core", "r_cut is above every r_core")
    write(folder, "priors.csv", "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
          "lens_0,mass,r_core,Uniform,0,5,,\nlens_0,mass,r_cut,Uniform,6,80,,\n")
    assert validate_folder(folder) == []


@pytest.mark.parametrize("relation,rows,line,column", [
    # r_cut_ref may fall to 10″, below r_core_ref 20″ (both scale as L^0.5)
    ("20.0,0.5,30.0,0.5", "members,scaling,r_cut_ref,Uniform,10,60,,", 3, "lower"),
    # r_core_ref may rise to 35″, above r_cut_ref 30″
    ("20.0,0.5,30.0,0.5", "members,scaling,r_core_ref,Uniform,0,35,,", 3, "upper"),
    # the ranges are apart at L_ref, but r_cut falls faster with L: the faintest member (L = 0.5 L_ref)
    # gets r_core up to 25 × 0.5^0.1 = 23.3″ and r_cut from 30 × 0.5^0.5 = 21.2″
    ("20.0,0.1,30.0,0.5", "members,scaling,r_core_ref,Uniform,0,25,,", 3, "upper"),
])
def test_tier_prior_letting_r_cut_reach_r_core(tmp_path, relation, rows, line, column):
    """The same for a tier: each member's radii are ref (L/L_ref)^exponent, and no member may reach
    r_cut ≤ r_core anywhere in the priors."""
    import shutil

    folder = tmp_path / "tier"
    shutil.copytree(Path(__file__).parents[1] / "data" / "bad" / "tier_core_beyond_cut", folder)
    (folder / "expected.txt").unlink()
    luminosities = [float(row.split(",")[2]) for row in (folder / "scaling_galaxies.csv").read_text().split()[1:]]
    assert min(luminosities) == 0.5  # the faintest member, the third case is about
    head = "tier,profile_class,luminosity_ref,sigma_ref,sigma_exponent,r_core_ref,r_core_exponent,r_cut_ref,"
    write(folder, "scaling_relations.csv", head + f"r_cut_exponent,redshift\nmembers,dPIEMassSph,1.0,160.0,0.25,"
          f"{relation},0.3\n")
    priors = "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\nlens_0,mass,sigma,Uniform,600.0,1200.0,,\n"
    assert validate_folder(folder) == []
    write(folder, "priors.csv", priors + rows + "\n")
    check(only_error(folder), "priors.csv", line, column, "tier 'members'", "r_cut is above every r_core")
    write(folder, "priors.csv", priors + "members,scaling,r_core_ref,Uniform,15,21,,\n"
          "members,scaling,r_cut_ref,Uniform,29,60,,\n")
    assert validate_folder(folder) == []
