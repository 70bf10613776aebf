"""Lenstool import/export: the published HFF models, member scaling against best.par, round trips,
and malformed inputs (tests/data/lenstool_bad/)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from astropy.cosmology import FlatLambdaCDM
from lenstool_data import (  # tests/interop is on sys.path under pytest
    DATA,
    assert_same_model,
    reload,
)

from clusterfit import example_folder, validate_folder
from clusterfit.interop import LenstoolError, export_lenstool, import_lenstool
from clusterfit.interop.lenstool import REDSHIFT, shear_from_lenstool, shear_to_lenstool
from clusterfit.tables import load_model, save_model

BAD = Path(__file__).parents[1] / "data" / "lenstool_bad"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="Lenstool validation data not present")

PAR_FILES = [
    "a2744/A2744_SLspec.par", "a2744/bestopt.par", "a2744/best.par",
    "as1063_gold/SMACS2248_HFF_NE.par", "as1063_gold/bestopt.par", "as1063_gold/best.par",
]


@needs_data
@pytest.mark.parametrize("name", PAR_FILES)
def test_published_models_import_and_validate(name, tmp_path):
    notes: list[str] = []
    model = import_lenstool(DATA / name, notes, constraints=not name.endswith("/best.par"))
    assert model.mass
    back = reload(model, tmp_path / "m")
    assert len(back.mass) == len(model.mass)
    assert back.cosmology.H0 == 70.0 and back.cosmology.Om0 == 0.3
    assert any("cline" in n for n in notes)  # skipped blocks are reported


@needs_data
def test_a2744_counts_and_coordinates():
    m = import_lenstool(DATA / "a2744/bestopt.par")
    assert len(m.point_images) == 83 and len(m.point_datasets) == 29  # 3 commented rows skipped
    assert len(m.scaling_galaxies) == 3 + 246 + 3
    assert [r.tier for r in m.scaling_relations] == ["potfile0", "potfile1", "potfile2"]
    im = next(i for i in m.point_images if i.name == "point_1")
    ra0, dec0 = 3.586259, -30.400174
    x = -(3.5975477 - ra0) * math.cos(math.radians(dec0)) * 3600
    assert (im.y, im.x) == pytest.approx(((-30.4039180 - dec0) * 3600, x), abs=1e-9)
    assert im.x < 0  # RA larger than RA0 is East: negative x (x increases to the West)
    assert im.positions_noise == 0.5 and im.redshift == 1.688
    o1 = next(r for r in m.mass if r.galaxy == "O1")
    assert o1.profile_class == "dPIEMass" and o1.sigma == 607.070068
    assert o1.angle_pos == 90.533509 and o1.ellipticity == 0.828247
    kinds = {(p.galaxy, p.parameter): p.prior for p in m.priors}
    assert kinds[("O1", "sigma")] == "Gaussian" and kinds[("potfile1", "r_cut_ref")] == "Gaussian"


@needs_data
@pytest.mark.parametrize("cluster", ["a2744", "as1063_gold"])
def test_members_scaled_like_best_par(cluster):
    """σ, r_cut, r_core, ellipticity of every potfile member equal best.par's written-out values."""
    fit = import_lenstool(DATA / cluster / "bestopt.par")
    best = import_lenstool(DATA / cluster / "best.par", constraints=False)
    rows = [r for r in best.mass if r.profile_class.startswith("dPIE")]
    pos = np.array([[r.values["y"], r.values["x"]] for r in rows])
    rels = {r.tier: r for r in fit.scaling_relations}
    for g in fit.scaling_galaxies:
        rel = rels[g.tier] if g.tier else fit.scaling_relations[0]
        v, lum = rel.values, g.luminosity / rel.luminosity_ref
        d = np.hypot(pos[:, 0] - g.y, pos[:, 1] - g.x)
        k = int(d.argmin())
        assert d[k] < 1e-3  # best.par positions carry a 3e-4" float32 offset in A2744
        r = rows[k].values
        assert v["sigma_ref"] * lum ** v["sigma_exponent"] == pytest.approx(r["sigma"], rel=1e-4)
        assert v["r_cut_ref"] * lum ** v["r_cut_exponent"] == pytest.approx(r["r_cut"], rel=1e-4)
        assert v["r_core_ref"] * lum ** v["r_core_exponent"] == pytest.approx(r["r_core"],
                                                                             rel=1e-4, abs=1e-6)
        assert g.extra.get("ellipticity", 0.0) == pytest.approx(r.get("ellipticity", 0.0),
                                                                abs=1e-5)


def test_shear_mapping():
    assert shear_from_lenstool(0.1, 0.0) == pytest.approx((0.1, 0.0))
    assert shear_from_lenstool(0.1, 45.0) == pytest.approx((0.0, 0.1), abs=1e-15)
    g, a = shear_to_lenstool(*shear_from_lenstool(0.1039, 50.8049))
    assert (g, a) == pytest.approx((0.1039, 50.8049))


@needs_data
def test_as1063_shear_row():
    m = import_lenstool(DATA / "as1063_gold/bestopt.par")
    sh = next(r for r in m.mass if r.profile_class == "ExternalShear")
    # Lenstool's γ is for D_ls/D_s = 1; the table's ExternalShear is PyAutoLens's, at the last plane r
    from clusterfit.physics.cosmology import Cosmology

    z_r = max(im.redshift for im in m.point_images)
    ratio = Cosmology(70.0, 0.3).distance_ratio_matrix([0.3475, z_r])[0, 1]
    g1, g2 = shear_from_lenstool(0.1039, 50.8049)
    assert (sh.gamma_1, sh.gamma_2) == pytest.approx((g1 * ratio, g2 * ratio), rel=1e-12)


def test_round_trip_embedded_example(tmp_path):
    model = load_model(example_folder())
    notes: list[str] = []
    par = export_lenstool(model, tmp_path / "lt" / "example.par", notes=notes)
    assert (par.parent / "example_members.cat").is_file()
    back = reload(import_lenstool(par), tmp_path / "back")
    assert_same_model(model, back, light=False)
    assert not back.light and any("light" in n for n in notes)
    assert any("LogUniform" in n for n in notes)


@needs_data
@pytest.mark.parametrize("name", ["a2744/A2744_SLspec.par", "as1063_gold/bestopt.par"])
def test_round_trip_imported_folder(name, tmp_path):
    model = reload(import_lenstool(DATA / name), tmp_path / "first")
    par = export_lenstool(model, tmp_path / "lt" / "model.par")  # at the model's sky_reference
    back = reload(import_lenstool(par), tmp_path / "back")
    assert_same_model(model, back)


_Z_HALO = "\tprofil 81\n\tx_centre 0.0\n\ty_centre 0.0\n\tellipticite 0.2\n\tangle_pos 10.0\n\tcore_radius_kpc 50.0\n\tcut_radius 900.0\n\tv_disp 900.0"


def _z_par(lenstool_par, flag, a, b, name="in.par") -> Path:
    """The two-system input with source 2's redshift given by ``z_m_limit`` (flag, a, b)."""
    return lenstool_par({"halo": _Z_HALO}, catalogue=_Z_CAT, image=f"\tz_m_limit 1 2 {flag} {a} {b} 0.1\n", name=name)


_Z_CAT = """1.1 10.0 2.0 0.1 0.1 0 1.5 0
1.2 -8.0 -3.0 0.1 0.1 0 1.5 0
2.1 3.0 12.0 0.1 0.1 0 0.0 0
2.2 -2.0 -11.0 0.1 0.1 0 0.0 0
"""


def test_free_redshift_from_z_m_limit(lenstool_par, tmp_path):
    m = import_lenstool(_z_par(lenstool_par, 1, 1.0, 5.0))
    (p,) = [p for p in m.priors if p.attr_name == REDSHIFT]
    assert (p.galaxy, p.parameter, p.prior, p.lower, p.upper) == \
        ("source_2", REDSHIFT, "Uniform", 1.0, 5.0)
    assert {i.name: i.redshift for i in m.point_images} == {"point_1": 1.5, "point_2": 3.0}
    halo = m.mass[0]
    d_a = FlatLambdaCDM(H0=70.0, Om0=0.3).angular_diameter_distance(0.3).to_value("kpc")
    assert halo.r_core * d_a * math.pi / 648000 == pytest.approx(50.0, rel=1e-12)  # kpc → arcsec
    # best.par writes a fitted redshift as a fixed z_m_limit (flag 0, value = z)
    m0 = import_lenstool(_z_par(lenstool_par, 0, 2.345, 0.0, "best.par"))
    assert {i.name: i.redshift for i in m0.point_images}["point_2"] == 2.345
    assert not [p for p in m0.priors if p.attr_name == REDSHIFT]
    assert m0.point[1].redshift == 2.345


@pytest.mark.parametrize("mean, sigma, lower, upper", [
    (3.0, 0.5, 0.5, 5.5),  # mean ± 5σ
    (1.0, 0.5, 0.31, 3.5),  # mean − 5σ is in front of the lens (z 0.3): just behind it instead
])
def test_gaussian_z_m_limit_is_truncated_behind_the_lens(lenstool_par, tmp_path, mean, sigma, lower, upper):
    # Lenstool's flag 3 is an untruncated Gaussian; the free-redshift rules need a source that stays
    # behind the lens, so the import bounds it and the model loads (tables/free.py)
    notes: list[str] = []
    m = import_lenstool(_z_par(lenstool_par, 3, mean, sigma), notes)
    (p,) = [p for p in m.priors if p.attr_name == REDSHIFT]
    assert (p.prior, p.mean, p.sigma) == ("Gaussian", mean, sigma)
    assert (p.lower, p.upper) == pytest.approx((lower, upper), rel=1e-12)
    assert any("truncated" in n and "source_2" in n for n in notes)
    back = reload(m, tmp_path / "m")
    (q,) = [q for q in back.priors if q.attr_name == REDSHIFT]
    assert (q.lower, q.upper) == pytest.approx((lower, upper), rel=1e-12)


def test_free_redshift_round_trip(lenstool_par, tmp_path):
    m = import_lenstool(_z_par(lenstool_par, 3, 3.0, 0.5))
    back = import_lenstool(export_lenstool(m, tmp_path / "out" / "o.par"))
    assert [p for p in back.priors if p.attr_name == REDSHIFT][0].mean == 3.0
    assert [i.redshift for i in back.point_images] == [i.redshift for i in m.point_images]


@pytest.mark.parametrize("name, line, words", [
    ("unknown_block.par", 12, "unknown Lenstool block 'lenses'"),
    ("missing_end.par", 4, "has no 'end'"),
    ("bad_number.par", 8, "'8OO.0' is not a number"),
    ("unknown_profil.par", 5, "profil 16 is not supported"),
    ("eof_in_block.par", 4, "has no 'end'"),
    ("bad_limit.par", 15, "limit flag 2"),
    ("short_member.par", 4, "expected at least 7"),
])
def test_malformed_inputs(name, line, words):
    with pytest.raises(LenstoolError) as info:
        import_lenstool(BAD / name)
    err = info.value
    assert words in str(err)
    assert err.hint
    if name == "short_member.par":
        assert Path(err.file).name == "short_member.cat" and err.line == 4
    else:
        assert Path(err.file).name == name and err.line == line


def test_missing_file(tmp_path):
    with pytest.raises(LenstoolError, match="file not found"):
        import_lenstool(tmp_path / "nope.par")


@needs_data
def test_limited_value_outside_its_limit_starts_inside():
    """SMACS2248_HFF_NE.par puts potential 5 at x = −82.952 with limit x_centre [−35, −15]; Lenstool draws
    it from the limit, so the import starts it at the nearest limit and says so. angle_pos 327.9 in
    [−60, 0] is the same axis as −32.1 and is kept."""
    notes: list[str] = []
    m = import_lenstool(DATA / "as1063_gold/SMACS2248_HFF_NE.par", notes)
    row5 = next(r for r in m.mass if r.galaxy == "5")
    assert row5.values["x"] == -35.0
    assert any("5.x = -82.952 is outside its limit [-35, -15]" in n for n in notes)
    assert next(r for r in m.mass if r.galaxy == "1").values["angle_pos"] == 327.9


@needs_data
def test_cut_radius_limit_below_the_core_is_raised_above_it(tmp_path):
    """A2744_SLspec.par limits O7's cut radius to [0, 150] kpc with a 0.146 kpc core: Lenstool would evaluate
    r_cut < r_core as it stands, but a table with r_cut ≤ r_core is not a dPIE (it would not load back), so
    the prior's lower end moves just above the core (:data:`CUT_MARGIN` of the room), with a note, and the
    folder validates. A limit wholly below the core is an error naming the line."""
    from clusterfit.interop.lenstool.potentials import CUT_MARGIN

    notes: list[str] = []
    m = import_lenstool(DATA / "a2744/A2744_SLspec.par", notes)
    core = next(r for r in m.mass if r.galaxy == "O7").values["r_core"]
    cut = next(p for p in m.priors if (p.galaxy, p.parameter) == ("O7", "r_cut"))
    assert cut.lower == pytest.approx(core + CUT_MARGIN * (cut.upper - core), rel=1e-12) and cut.lower > core
    assert any("O7.r_cut limit Uniform(0, 33.0706)″ reaches the core radius" in n for n in notes)
    save_model(m, tmp_path / "a2744")
    assert validate_folder(tmp_path / "a2744") == []
    # bestopt.par's O6: a Gaussian limit (flag 3) of width = mean, truncated just above the core
    notes = []
    m = import_lenstool(DATA / "a2744/bestopt.par", notes, constraints=False)
    core = next(r for r in m.mass if r.galaxy == "O6").values["r_core"]
    cut = next(p for p in m.priors if (p.galaxy, p.parameter) == ("O6", "r_cut"))
    assert cut.prior == "Gaussian" and cut.lower == pytest.approx(core + CUT_MARGIN * (cut.mean + 10 * cut.sigma - core))
    assert any("O6.r_cut limit Gaussian(" in n for n in notes)
    text = (DATA / "a2744/A2744_SLspec.par").read_text().replace("cut_radius_kpc\t1 0.0 150 ", "cut_radius_kpc\t1 0.0 0.1 ")
    assert "cut_radius_kpc\t1 0.0 0.1 " in text
    for f in (DATA / "a2744").iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "A2744_SLspec.par").write_text(text)
    with pytest.raises(LenstoolError, match="does not reach above the core radius"):
        import_lenstool(tmp_path / "A2744_SLspec.par")


def test_potfile_cut_limit_below_the_members_cores_is_raised_above_them(tmp_path):
    """The same for a potfile: with its ``cutkpc`` limit reaching down to 0.1 kpc under a 0.15 kpc core
    (both scale as L^½ at slope 4), every member's r_cut could reach its r_core; the limit's lower end moves
    just above the core, with a note, and the folder validates. Wholly below: an error naming the line."""
    from clusterfit.interop.lenstool.potentials import CUT_MARGIN

    for f in (DATA / "a2744").iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    text = (DATA / "a2744/A2744_SLspec.par").read_text()
    assert text.count("\tcutkpc\t3 12.716939 0.924764 ") == 1
    (tmp_path / "A2744_SLspec.par").write_text(text.replace("\tcutkpc\t3 12.716939 0.924764 ", "\tcutkpc\t1 0.1 60 "))
    notes: list[str] = []
    m = import_lenstool(tmp_path / "A2744_SLspec.par", notes)
    rel = next(r for r in m.scaling_relations if r.tier == "potfile1")
    assert rel.values["r_cut_exponent"] == rel.values["r_core_exponent"] == 0.5
    core = rel.values["r_core_ref"]
    cut = next(p for p in m.priors if (p.galaxy, p.parameter) == ("potfile1", "r_cut_ref"))
    assert cut.lower == pytest.approx(core + CUT_MARGIN * (cut.upper - core), rel=1e-12) and cut.lower > core
    assert cut.upper == pytest.approx(60 / 0.15 * core, rel=1e-9)
    assert any("potfile1.r_cut_ref" in n and "reaches the core radius" in n for n in notes)
    save_model(m, tmp_path / "folder")
    assert validate_folder(tmp_path / "folder") == []
    (tmp_path / "A2744_SLspec.par").write_text(text.replace("\tcutkpc\t3 12.716939 0.924764 ", "\tcutkpc\t1 0.01 0.1 "))
    with pytest.raises(LenstoolError, match="does not reach above the core radius"):
        import_lenstool(tmp_path / "A2744_SLspec.par")
