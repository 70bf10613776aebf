"""Free source redshifts (issue #5): the priors.csv form, tracing at θ's redshift against a model with
that redshift fixed, write-back, and the errors for priors that cannot work."""

from pathlib import Path

import jax
import numpy as np
import pytest

from clusterfit import load_model
from clusterfit.model import compose
from clusterfit.tables import CsvErrors, validate_folder

Z_ROW = "source_1,redshift,redshift,Uniform,1.0,4.0,,\n"
Y = np.array([5.0, -8.0, 12.0, 20.0, -3.5, 0.7])
X = np.array([-3.0, 4.0, 9.0, -16.0, 22.0, 1.1])


def _add_prior(folder: Path, row: str) -> None:
    with open(folder / "priors.csv", "a") as f:
        f.write(row)


def _set_redshift(folder: Path, galaxy: str, old: str, new: str) -> None:
    """Rewrite ``galaxy``'s redshift cell (the last column) in point.csv and light.csv as text."""
    for name in ("point.csv", "light.csv"):
        lines = (folder / name).read_text().splitlines()
        lines = [ln[: -len(old)] + new if ln.startswith(galaxy + ",") and ln.endswith("," + old) else ln
                 for ln in lines]
        (folder / name).write_text("\n".join(lines) + "\n")


@pytest.fixture
def free_z(example_copy):
    _add_prior(example_copy, Z_ROW)
    return compose(load_model(example_copy))


def test_the_redshift_row_makes_one_parameter(free_z):
    assert free_z.names[-1] == "source_1.redshift.redshift"
    theta = free_z.vector_from_tables()
    assert theta[-1] == 2.0  # the table value is the start / truth
    assert free_z.redshift_index == {"point_1": len(theta) - 1}
    assert free_z.source_redshift(theta, "point_1") == 2.0
    assert free_z.source_redshift(theta, "point_0") == 1.5
    assert free_z.free_redshift(theta, "point_1") == 2.0 and free_z.free_redshift(theta, "point_0") is None
    assert (free_z.priors.lower[-1], free_z.priors.upper[-1]) == (1.0, 4.0)


@pytest.mark.parametrize("z", [2.0, 2.6, 1.2, 3.9])
def test_free_redshift_traces_like_the_fixed_model(free_z, example_copy, tmp_path, z):
    """θ's z through the distance table vs a model folder with that z written in (astropy ratios)."""
    import shutil

    fixed_folder = tmp_path / "fixed"
    shutil.copytree(example_copy, fixed_folder)
    (fixed_folder / "priors.csv").write_text(
        (fixed_folder / "priors.csv").read_text().replace(Z_ROW, ""))
    _set_redshift(fixed_folder, "source_1", "2.0", repr(z))
    fixed = compose(load_model(fixed_folder))
    assert fixed.model.galaxies["source_1"].redshift == z and not fixed.redshift_index
    theta = free_z.vector_from_tables()
    theta[-1] = z
    plane = free_z.source_planes["point_1"]
    trace = jax.jit(lambda t: free_z.source_plane_yx(t, Y, X, plane, free_z.source_redshift(t, "point_1")))
    by, bx = trace(theta)
    ey, ex = fixed.source_plane_yx(theta[:-1], Y, X, fixed.source_planes["point_1"])
    np.testing.assert_allclose(by, ey, rtol=0, atol=1e-10)
    np.testing.assert_allclose(bx, ex, rtol=0, atol=1e-10)
    a = free_z.jacobian(theta, Y, X, plane, z)
    b = fixed.jacobian(theta[:-1], Y, X, fixed.source_planes["point_1"])
    np.testing.assert_allclose(a.det, b.det, rtol=1e-10, atol=1e-12)
    # at(θ): a fixed tracer on θ's planes, same parameter vector
    at = free_z.at(theta)
    assert at.names == free_z.names
    if z == 2.0:
        assert at is free_z
    ay, ax = at.source_plane_yx(theta, Y, X, at.source_planes["point_1"])
    np.testing.assert_allclose(ay, ey, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ax, ex, rtol=0, atol=1e-10)


def test_with_vector_writes_the_redshift_everywhere(free_z, tmp_path):
    from clusterfit.tables import PointImage, save_model

    model = free_z.model.replace(point_images=(
        PointImage("point_1", 1.0, 2.0, 0.05, redshift=2.0), PointImage("point_1", -3.0, 1.0, 0.05, redshift=2.0),
        PointImage("point_0", 4.0, 2.0, 0.05, redshift=1.5)))
    composed = compose(model)
    theta = composed.vector_from_tables()
    theta[-1] = 2.75
    out = composed.with_vector(theta)
    assert out.galaxies["source_1"].redshift == 2.75
    assert {r.redshift for r in out.light + out.point if r.galaxy == "source_1"} == {2.75}
    assert [im.redshift for im in out.point_images] == [2.75, 2.75, 1.5]
    back = load_model(save_model(out, tmp_path / "back"))  # still a valid model folder
    np.testing.assert_array_equal(compose(back).vector_from_tables(), theta)


def _errors(folder: Path) -> list:
    return [(e.file, e.line, e.column, e.message) for e in validate_folder(folder)]


@pytest.mark.parametrize("row, column, words", [
    ("source_1,redshift,redshift,Uniform,0.3,4.0,,\n", "lower", "not behind the lens (z = 0.3)"),
    ("source_*,redshift,redshift,Uniform,0.2,4.0,,\n", "lower", "reaches down to 0.2"),
    ("source_1,redshift,redshift,Gaussian,,5.0,2.0,0.3\n", "lower", "needs a lower bound"),
    ("source_1,redshift,redshift,Gaussian,0.5,,2.0,0.3\n", "upper", "needs an upper bound"),
    ("lens_0,redshift,redshift,Uniform,1.0,4.0,,\n", "galaxy", "no point-source galaxy matches 'lens_0'"),
    ("source_1,redshift,z,Uniform,1.0,4.0,,\n", "parameter", "its parameter must be 'redshift'"),
])
def test_bad_redshift_priors_name_file_line_column(example_copy, row, column, words):
    _add_prior(example_copy, row)
    line = len((example_copy / "priors.csv").read_text().splitlines())
    errors = _errors(example_copy)
    assert [(f, ln, c) for f, ln, c, _ in errors] == [("priors.csv", line, column)], errors
    assert words in errors[0][3]
    with pytest.raises(CsvErrors, match=column):
        load_model(example_copy)


def test_start_redshift_in_front_of_the_lens_is_an_error(example_copy):
    _add_prior(example_copy, Z_ROW)
    _set_redshift(example_copy, "source_1", "2.0", "0.2")
    (f, ln, c, msg), = [e for e in _errors(example_copy) if e[0] == "point.csv"]
    assert (ln, c) == (3, "redshift") and "not behind the lens" in msg


def test_free_redshift_that_could_move_the_reference_plane_is_refused(example_copy):
    """ExternalShear is normalised to the last plane: a free z must stay in front of a fixed one."""
    with open(example_copy / "mass.csv", "a") as f:
        f.write("shear,mass,ExternalShear,,,,,,,,0.3\n")
    text = (example_copy / "mass.csv").read_text().splitlines()
    header = text[0].split(",")
    (example_copy / "mass.csv").write_text("\n".join(
        [",".join([*header[:-1], "gamma_1", "gamma_2", "redshift"])]
        + [ln[: ln.rindex(",")] + ",,," + ln[ln.rindex(",") + 1:] for ln in text[1:-1]]
        + ["shear,mass,ExternalShear" + "," * (len(header) - 4) + ",0.02,-0.01,0.3"]) + "\n")
    _add_prior(example_copy, "source_2,redshift,redshift,Uniform,1.0,4.0,,\n")
    line = len((example_copy / "priors.csv").read_text().splitlines())
    with pytest.raises(ValueError, match=f"priors.csv:{line}: .*ExternalShear is normalised to the last"):
        compose(load_model(example_copy))
    # source_1 (z = 2) with upper <= 3.0 (source_2, fixed) keeps the last plane: allowed
    (example_copy / "priors.csv").write_text(
        (example_copy / "priors.csv").read_text().replace("source_2,redshift,redshift,Uniform,1.0,4.0",
                                                          "source_1,redshift,redshift,Uniform,1.0,3.0"))
    assert compose(load_model(example_copy)).redshift_index == {"point_1": 10}


def test_lower_bound_must_clear_every_lens_plane(example_copy):
    """Multi-plane: a second lens plane at z = 1.2 in front of the source needs lower > 1.2."""
    with open(example_copy / "mass.csv", "a") as f:
        f.write("group,mass,dPIEMass,5.0,5.0,0.1,10.0,300.0,0.5,50.0,,,,,1.2\n")  # bookkeeping cells empty
    _add_prior(example_copy, "source_2,redshift,redshift,Uniform,1.0,5.0,,\n")
    (_, _, c, msg), = _errors(example_copy)
    assert c == "lower" and "z = 1.2" in msg
    (example_copy / "priors.csv").write_text(
        (example_copy / "priors.csv").read_text().replace("Uniform,1.0,5.0", "Uniform,1.3,5.0"))
    composed = compose(load_model(example_copy))
    assert len(composed.layout.lens_planes) == 2 and composed.redshift_index == {"point_2": 10}
