"""Lenstool files as they come (issue 16): the corpus tests/data/lenstool_variants/ — English and French
spellings, aliases, flags, defaults, nlentille caps, best.par fitted redshifts — imports to the same tables
as its canonical French form; incomplete and impossible files are errors naming file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lenstool_data import (  # tests/interop is on sys.path under pytest
    DATA,
    VARIANTS,
    assert_same_model,
)

from clusterfit.interop import LenstoolError, export_lenstool, import_lenstool
from clusterfit.interop.lenstool import REDSHIFT
from clusterfit.tables import SkyReference, load_model, save_model
from clusterfit.tables.bookkeeping import with_bookkeeping

CASES = [
    # variant, its canonical French form, --images, a note the variant must produce
    ("english.par", "canonical.par", None, "'number' accepted"),
    ("aliases.par", "canonical.par", None, None),
    ("source0.par", "canonical.par", None, "no_such_sources.cat is not read"),
    ("no_profil.par", "canonical.par", None, "Lenstool's default profil 0"),
    ("potfile_profil.par", "canonical.par", None, "'profil' is not a Lenstool potfile keyword"),
    ("nlentille_below.par", "canonical.par", None, "only the first 7 are used"),
    ("best_fitted.par", "canonical_fitted.par", "canonical.par", "system 2 at its fitted redshift 3.1"),
    ("best_header.par", "canonical_fitted.par", "canonical.par", "system 2 at its fitted redshift 3.1"),
]


@pytest.mark.parametrize("variant, canonical, images, note", CASES, ids=[c[0] for c in CASES])
def test_variant_imports_like_its_canonical_form(variant, canonical, images, note, tmp_path):
    notes: list[str] = []
    got = import_lenstool(VARIANTS / variant, notes, images=None if images is None else VARIANTS / images)
    want = import_lenstool(VARIANTS / canonical)
    assert_same_model(got, want, light=False)
    assert len(got.priors) == len(want.priors)
    assert got.sky_reference == SkyReference(342.18322, -44.530889, "lenstool")
    assert note is None or any(note in n for n in notes), notes
    save_model(got, tmp_path / "m")  # a valid folder; saving fills PyAutoLens's bookkeeping cells
    assert_same_model(load_model(tmp_path / "m"), with_bookkeeping(want), light=False)


def test_canonical_form_reads_every_block():
    m = import_lenstool(VARIANTS / "canonical.par")
    assert [(r.galaxy, r.profile_class) for r in m.mass] == [
        ("halo", "dPIEMass"), ("shear", "ExternalShear"), ("bcg", "dPIEMassSph"), ("sis", "IsothermalSph")]
    assert len(m.scaling_galaxies) == 3 and m.scaling_relations[0].tier == "members"
    assert {ds.name: ds.redshift for ds in m.point_datasets} == {"point_1": 1.5, "point_2": 3.5}
    (z,) = [p for p in m.priors if p.attr_name == REDSHIFT]
    assert (z.prior, z.lower, z.upper) == ("Uniform", 1.0, 6.0)
    # source 2's redshift may reach 6, behind every fixed plane: with a shear and an SIS (given at the last
    # plane) the import holds that plane at 6 with a light-only galaxy (units.hold_last_plane)
    assert [(r.galaxy, r.redshift, r.values["intensity"]) for r in m.light] == [("last_plane", 6.0, 0.0)]
    # Lenstool's SIS b0 = 4π(σ/c)² for D_ls/D_s = 1, scaled to the last plane (z = 6) like the shear
    from clusterfit.physics.cosmology import Cosmology

    ratio = float(Cosmology(70.0, 0.3).distance_ratio_matrix([0.3475, 6.0])[0, 1])
    sis = m.mass[3]
    assert sis.values["einstein_radius"] == pytest.approx(
        4 * 3.141592653589793 * (150.0 / 299792.458) ** 2 * 206264.80624709636 * ratio, rel=1e-12)


def test_best_par_fitted_redshifts_override_the_input_priors():
    """AS1063's best.par with four fitted redshifts (image block and header) over an input whose catalogue
    has z = 0 and whose z_m_limit priors are Uniform(1, 7) (midpoint 4): the systems sit at the fitted
    redshifts and keep no prior. The input's potfile catalogue is absent: only its images are read."""
    d = VARIANTS / "as1063_zfit"
    notes: list[str] = []
    m = import_lenstool(d / "best.par", notes, images=d / "SMACS2248_zfree.par")
    z = {ds.name: ds.redshift for ds in m.point_datasets}
    assert (z["point_11"], z["point_13"], z["point_27"], z["point_54"]) == (3.116, 4.113, 5.051, 3.169)
    assert not [p for p in m.priors if p.attr_name == REDSHIFT]
    assert len(m.point_images) == 50 and len(m.mass) == 264
    with pytest.raises(LenstoolError, match="member catalogue not found"):
        import_lenstool(d / "SMACS2248_zfree.par")  # alone it is not a model here: its potfile is absent


def test_export_then_import_keeps_the_reference_and_every_table(tmp_path):
    model = import_lenstool(VARIANTS / "canonical.par")
    par = export_lenstool(model, tmp_path / "lt" / "model.par")
    text = par.read_text()
    assert "\treference 3 342.18322 -44.530889\n" in text
    back = import_lenstool(par)
    assert back.sky_reference == model.sky_reference
    assert_same_model(back, model, light=False)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


_GOOD = (VARIANTS / "canonical.par").read_text()


@pytest.mark.parametrize("edit, line, words", [
    (("\tv_disp 1000.0\n", "\tv_disp -1000.0\n"), 31, "v_disp -1000.0 is negative"),
    (("\tellipticite 0.35\n", "\tellipticite 1.2\n"), 27, "ellipticity 1.2 is not below 1"),
    (("\tellipticite 1 0.1 0.7 0.01", "\tellipticite 1 0.1 1.5 0.01"), 36, "ellipticity limit up to 1.5"),
    (("\tv_disp 1000.0\n", "\tv_dips 1000.0\n"), 31, "did you mean 'v_disp'"),
    (("potentiel bcg", "potnetiel bcg"), 51, "did you mean 'potentiel'"),
    (("\tz_lens 0.3475\n\tend\nlimit halo", "\tz_lens 4.0\n\tend\nlimit halo"), 23, "behind every source"),
])
def test_impossible_or_misspelt_values_are_errors_with_file_and_line(tmp_path, edit, line, words):
    _write(tmp_path / "images.cat", (VARIANTS / "images.cat").read_text())
    _write(tmp_path / "members.cat", (VARIANTS / "members.cat").read_text())
    assert edit[0] in _GOOD
    with pytest.raises(LenstoolError) as info:
        import_lenstool(_write(tmp_path / "bad.par", _GOOD.replace(edit[0], edit[1], 1)))
    err = info.value
    assert words in str(err) and err.hint, str(err)
    assert Path(err.file).name == "bad.par" and err.line == line, (err.file, err.line)


@pytest.mark.parametrize("cut, words", [
    ("", "no Lenstool block (empty?)"),
    ("image", "ends without 'fini'"),  # cut at a block boundary
    ("cosmologie", "no cosmologie block"),
    ("champ", "ends without 'fini'"),
])
def test_incomplete_files_are_errors_naming_what_is_missing(tmp_path, cut, words):
    _write(tmp_path / "images.cat", (VARIANTS / "images.cat").read_text())
    _write(tmp_path / "members.cat", (VARIANTS / "members.cat").read_text())
    text = _GOOD.split(f"\n{cut}\n", 1)[0] + "\n" if cut else ""
    if cut == "cosmologie":
        text += "fini\n"
    with pytest.raises(LenstoolError, match=re.escape(words)):
        import_lenstool(_write(tmp_path / "cut.par", text))


def test_no_potential_and_no_images_are_errors(tmp_path):
    _write(tmp_path / "images.cat", (VARIANTS / "images.cat").read_text())
    only_cosmo = "runmode\n\treference 3 342.18322 -44.530889\n\tend\n" + \
        _GOOD[_GOOD.index("cosmologie\n"):]
    with pytest.raises(LenstoolError, match="no potentiel or potfile block"):
        import_lenstool(_write(tmp_path / "a.par", only_cosmo))
    no_images = _GOOD.replace("\tmultfile 1 images.cat\n", "").replace("\tz_m_limit 1 2 1 1.0 6.0 0.1\n", "")
    _write(tmp_path / "members.cat", (VARIANTS / "members.cat").read_text())
    with pytest.raises(LenstoolError, match="no multiple images and no sources"):
        import_lenstool(_write(tmp_path / "b.par", no_images))
    with pytest.raises(LenstoolError, match="z = 0"):  # unknown redshift and no z_m_limit
        import_lenstool(_write(tmp_path / "c.par", _GOOD.replace("\tz_m_limit 1 2 1 1.0 6.0 0.1\n", "")))


def _sexagesimal(ref) -> str:
    h = ref[0] / 15
    d = abs(ref[1])
    return (f"{int(h)}:{int(h * 60 % 60)}:{h * 3600 % 60!r} "
            f"-{int(d)}:{int(d * 60 % 60)}:{d * 3600 % 60!r}")


def test_catalogue_rows_as_lenstool_reads_them(tmp_path):
    """f_shape.c: '#' lines are comments, '#REFERENCE' sets the frame (1: sexagesimal), a '#' after the
    numbers is a comment, columns after mag are ignored, no header means absolute RA/Dec."""
    ref = (342.18322, -44.530889)
    _write(tmp_path / "members.cat", (VARIANTS / "members.cat").read_text())
    _write(tmp_path / "images.cat", "# a comment line\n"
           f"#REFERENCE 1 {_sexagesimal(ref)}\n"
           "1.1   12.31  -4.02  0.1 0.1 0.0  1.5  25.0  7.0 8.0\n"
           "   # an indented comment\n"
           "1.2  -10.77   6.45  0.1 0.1 0.0  1.5  25.0 # trailing comment\n")
    text = _GOOD.replace("\tz_m_limit 1 2 1 1.0 6.0 0.1\n", "")
    notes: list[str] = []
    m = import_lenstool(_write(tmp_path / "a.par", text), notes)
    assert [c for i in m.point_images for c in (i.y, i.x)] == pytest.approx([-4.02, 12.31, 6.45, -10.77], abs=1e-6)
    assert any("more than 8 columns" in n for n in notes)
    from clusterfit.interop.lenstool import xy_to_radec

    ra, dec = xy_to_radec(12.31, -4.02, *ref)
    _write(tmp_path / "images.cat", f"1.1 {ra!r} {dec!r} 0.1 0.1 0 1.5 25\n1.2 {ra!r} {dec + 1e-3!r} 0.1 0.1 0 1.5 25\n")
    m = import_lenstool(tmp_path / "a.par")
    assert (m.point_images[0].y, m.point_images[0].x) == pytest.approx((-4.02, 12.31), abs=1e-9)
    assert m.point_images[1].y == pytest.approx(-4.02 + 3.6, abs=1e-9)


@pytest.mark.parametrize("name", ["A2744_SLspec.par", "best.par"])
def test_published_inputs_need_no_editing(name):
    notes: list[str] = []
    m = import_lenstool(DATA / "a2744" / name, notes, images=DATA / "a2744" / "A2744_SLspec.par")
    assert m.sky_reference is not None and len(m.point_images) == 83


def test_images_input_is_read_for_its_constraints_only(tmp_path):
    """With --images, potentials, potfiles and grille lines of the input that clusterfit would refuse
    (an unsupported profil, a malformed nlentille, a missing potfile catalogue) do not stop the import."""
    _write(tmp_path / "images.cat", (VARIANTS / "images.cat").read_text())
    text = _GOOD.replace("\tprofil 0\n", "\tprofil 16\n").replace("\tnlentille 7\n", "\tnlentille many\n")
    _write(tmp_path / "input.par", text)  # members.cat is not there either
    m = import_lenstool(VARIANTS / "best_fitted.par", images=tmp_path / "input.par")
    assert {ds.name: ds.redshift for ds in m.point_datasets} == {"point_1": 1.5, "point_2": 3.1}


def test_flags_and_sexagesimal_reference(tmp_path):
    """runmode 'reference 1 hh:mm:ss dd:mm:ss'; 'multfile 0' reads no catalogue, 'source 1 file' reads
    point sources; 'filein 0' adds no member (Lenstool's flags)."""
    ref = (342.18322, -44.530889)
    _write(tmp_path / "sources.cat", "#REFERENCE 3 342.18322 -44.530889\ns1 1.0 2.0 0.1 0.1 0 2.5 25\n")
    text = (_GOOD.replace("\treference 3 342.18322 -44.530889\n",
                          f"\treference 1 {_sexagesimal(ref)}\n\tsource 1 sources.cat\n")
            .replace("\tmultfile 1 images.cat\n", "\tmultfile 0 images.cat\n")
            .replace("\tz_m_limit 1 2 1 1.0 6.0 0.1\n", "")
            .replace("\tfilein 1 members.cat\n", "\tfilein 0 members.cat\n"))
    notes: list[str] = []
    m = import_lenstool(_write(tmp_path / "a.par", text), notes)
    assert m.sky_reference.ra == pytest.approx(ref[0], abs=1e-9)
    assert m.sky_reference.dec == pytest.approx(ref[1], abs=1e-9)
    assert not m.point_images and not m.scaling_relations and not m.scaling_galaxies
    (p,) = m.point
    assert (p.galaxy, p.redshift) == ("source_s1", 2.5)
    assert (p.values["y"], p.values["x"]) == pytest.approx((2.0, 1.0), abs=1e-8)  # via RA/Dec, 1e-11″ apart
    assert any("multfile 0" in n for n in notes) and any("filein 0" in n for n in notes)


def test_best_par_optimised_positional_errors(tmp_path):
    """When Lenstool optimised sigposArcsec, best.par's grille lists each image's σ² (``sigposAs <id of
    the system's first image> <σ²>``, o_print_res.c); its Chi2pos used them, so the import does too."""
    text = (VARIANTS / "best_fitted.par").read_text().replace(
        "\tnlentille   3\n", "\tnlentille   3\n\tsigposAs  1.1  0.250000\n\tsigposAs  1.1  0.360000\n"
        "\tsigposAs  1.1  0.490000\n\tsigposAs  2.1  1.000000\n\tsigposAs  2.1  0.040000\n")
    m = import_lenstool(_write(tmp_path / "best.par", text), images=VARIANTS / "canonical.par")
    assert [im.positions_noise for im in m.point_images] == pytest.approx([0.5, 0.6, 0.7, 1.0, 0.2])
    bad = text.replace("\tsigposAs  2.1  0.040000\n", "")
    with pytest.raises(LenstoolError, match="1 sigposAs lines for system 2, which has 2 images"):
        import_lenstool(_write(tmp_path / "bad.par", bad), images=VARIANTS / "canonical.par")
