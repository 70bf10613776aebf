"""Lenstool's profil 14 ``kappa`` (external convergence) ↔ a ``MassSheet`` row: import, export, round trip,
refusals. The convention (κ at γ's normalisation, D_ls/D_s = 1, centred on the block's centre) is from
Lenstool's documentation of profil 14, "external shear and convergence" (lenstool_idPIE_tutorial
docs/sphinx/source/potentials/ExternalShear.md); the deflections are checked against lenstronomy in
tests/crosscheck/test_lenstool_kappa_lenstronomy.py. Expected κ in the tables: Lenstool's value × D_lr/D_r
with r the last plane (z = 1.5 here), from astropy with the project's radiation (T_cmb, N_eff).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import astropy.units as u
import pytest
from astropy.cosmology import FlatLambdaCDM
from lenstool_data import (  # tests/interop is on sys.path under pytest
    VARIANTS,
    assert_same_model,
    reload,
)

from clusterfit.interop import LenstoolError, export_lenstool, import_lenstool
from clusterfit.model.compose import compose
from clusterfit.tables import PriorRow

_HALO = "\tprofil 81\n\tv_disp 900.0\n\tcore_radius 2.0\n\tcut_radius 300.0"


def _import(lenstool_par, lines: str, notes=None):
    return import_lenstool(lenstool_par({"ext": lines, "halo": _HALO}), notes)


def _ratio(zl=0.3, zs=1.5) -> float:
    c = FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=2.7255 * u.K, Neff=3.046)
    return float(c.angular_diameter_distance(zl, zs) / c.angular_diameter_distance(zs))


def _round_trip(tmp_path: Path, model):
    par = export_lenstool(model, tmp_path / "out" / "out.par")
    back = import_lenstool(par)
    assert_same_model(back, model, light=False)
    return par.read_text()


def test_kappa_with_shear_is_a_mass_sheet_in_the_shear_galaxy(lenstool_par, tmp_path):
    notes: list[str] = []
    m = _import(lenstool_par, "\tprofil 14\n\tgamma 0.1\n\tangle_pos 20.0\n\tkappa 0.05\n\tx_centre 1.0\n"
                "\ty_centre -2.0", notes)
    rows = {r.key: r for r in m.mass if r.galaxy == "ext"}
    assert set(rows) == {("ext", "shear"), ("ext", "sheet")}
    sheet, shear = rows["ext", "sheet"], rows["ext", "shear"]
    assert sheet.profile_class == "MassSheet" and sheet.redshift == shear.redshift == 0.3
    # κ and γ scaled alike to the last plane (rel 1e-9: our distances are interpolated, 1e-12)
    assert sheet.values["kappa"] == pytest.approx(0.05 * _ratio(), rel=1e-9)
    assert abs(complex(shear.values["gamma_1"], shear.values["gamma_2"])) == pytest.approx(0.1 * _ratio(), rel=1e-9)
    assert (sheet.values["y"], sheet.values["x"]) == (-2.0, 1.0)
    assert any("MassSheet" in n and "v6" in n for n in notes), notes
    text = _round_trip(tmp_path, m)
    # off-centre: the shear row has no centre, so the sheet is written on its own profil 14 block
    assert text.count("\tprofil 14") == 2 and "potentiel ext:sheet" in text


def test_block_with_only_kappa(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 14\n\tkappa 0.05\n\tx_centre 1.0\n\ty_centre -2.0")
    (sheet,) = [r for r in m.mass if r.galaxy == "ext"]
    assert (sheet.attr_name, sheet.profile_class) == ("sheet", "MassSheet")
    assert sheet.values["kappa"] == pytest.approx(0.05 * _ratio(), rel=1e-9)
    text = _round_trip(tmp_path, m)
    assert "\tgamma" not in text and "\tx_centre 1.0\n\ty_centre -2.0\n\tkappa" in text


def test_kappa_zero_adds_no_sheet(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 14\n\tgamma 0.1\n\tangle_pos 20.0\n\tkappa 0")
    assert [r.profile_class for r in m.mass if r.galaxy == "ext"] == ["ExternalShear"]


def test_canonical_file_with_kappa_round_trips_with_its_shear_limits(tmp_path):
    text = (VARIANTS / "canonical.par").read_text().replace("\tprofil 14\n", "\tprofil 14\n\tkappa 0.05\n")
    for cat in ("images.cat", "members.cat"):
        (tmp_path / cat).write_text((VARIANTS / cat).read_text())
    (tmp_path / "k.par").write_text(text)
    m = import_lenstool(tmp_path / "k.par")
    assert [(r.key, r.profile_class) for r in m.mass if r.galaxy == "shear"] == [
        (("shear", "shear"), "ExternalShear"), (("shear", "sheet"), "MassSheet")]
    assert {p.parameter for p in m.priors if p.galaxy == "shear"} == {"gamma_1", "gamma_2"}
    text = _round_trip(tmp_path, m)
    assert text.count("\tprofil 14") == 1  # merged on the shear's block, at Lenstool's normalisation
    (kappa,) = [float(ln.split()[1]) for ln in text.splitlines() if ln.startswith("\tkappa")]
    assert kappa == pytest.approx(0.05, rel=1e-12)


def test_free_sheet_is_refused_on_export(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 14\n\tkappa 0.05")
    m = m.replace(priors=m.priors + (PriorRow("ext", "sheet", "kappa", "Uniform", 0.0, 0.1),))
    with pytest.raises(LenstoolError, match="free MassSheet"):
        export_lenstool(m, tmp_path / "out" / "out.par")


@pytest.mark.parametrize("lines,words", [
    ("\tprofil 14\n\tkappa 1.5", "not between -1 and 1"),
    ("\tprofil 81\n\tv_disp 500.0\n\tcut_radius 100.0\n\tkappa 0.05", "only for the external shear"),
])
def test_refused_kappa_names_the_line(lenstool_par, tmp_path, lines, words):
    with pytest.raises(LenstoolError) as info:
        _import(lenstool_par, lines)
    assert words in str(info.value) and f":{10 + lines.count(chr(10))}" in str(info.value)


def test_sheet_exported_from_tables_reads_back_at_the_last_plane(lenstool_par, tmp_path):
    """A MassSheet written in the tables (κ at the last plane) exports as κ / (D_lr/D_r)."""
    m = _import(lenstool_par, "\tprofil 14\n\tkappa 0.05")
    (sheet,) = [r for r in m.mass if r.galaxy == "ext"]
    m = m.replace(mass=tuple(replace(r, values={**r.values, "kappa": 0.03}) if r is sheet else r for r in m.mass))
    text = _round_trip(tmp_path, m)
    kappa = float(next(ln.split()[1] for ln in text.splitlines() if ln.startswith("\tkappa")))
    assert kappa == pytest.approx(0.03 / _ratio(), rel=1e-9)


_CAT_FREE_Z = "1.1 10.0 2.0 0.1 0.1 0 1.5 0\n1.2 -8.0 -3.0 0.1 0.1 0 1.5 0\n2.1 3.0 12.0 0.1 0.1 0 0.0 0\n2.2 -2.0 -11.0 0.1 0.1 0 0.0 0\n"


@pytest.mark.parametrize("upper, held", [(5.0, True), (1.4, False)])
def test_a_free_redshift_that_could_move_the_last_plane_gets_a_galaxy_to_hold_it(lenstool_par, tmp_path, upper,
                                                                                   held):
    """Lenstool's γ holds for D_ls/D_s = 1, the tables' at the last plane; a source whose z_m_limit reaches
    behind every fixed plane (system 1 at z 1.5) would move that plane with θ, which a fit refuses. The
    import then adds a light-only galaxy at the prior's upper end, and γ is scaled to it (astropy)."""
    notes: list[str] = []
    par = lenstool_par({"ext": "\tprofil 14\n\tgamma 0.1\n\tangle_pos 20.0", "halo": _HALO},
                       catalogue=_CAT_FREE_Z, image=f"\tz_m_limit 1 2 1 1.0 {upper} 0.1\n")
    m = import_lenstool(par, notes)
    (shear,) = [r for r in m.mass if r.profile_class == "ExternalShear"]
    gamma = abs(complex(shear.values["gamma_1"], shear.values["gamma_2"]))
    if not held:
        assert not m.light and gamma == pytest.approx(0.1 * _ratio(0.3, 1.5), rel=1e-9)
        return
    (row,) = m.light
    assert (row.galaxy, row.profile_class, row.values["intensity"], row.redshift) == \
        ("last_plane", "Gaussian", 0.0, 5.0)
    assert any("'source_2' may reach z = 5" in n and "'last_plane'" in n for n in notes), notes
    assert gamma == pytest.approx(0.1 * _ratio(0.3, 5.0), rel=1e-9)
    composed = compose(reload(m, tmp_path / "folder"))  # a fit's model: the free redshift is accepted
    assert composed.layout.plane_redshifts[-1] == 5.0 and "point_2" in composed.redshift_index
    back_notes: list[str] = []
    text = export_lenstool(m, tmp_path / "out" / "out.par", notes=back_notes).read_text()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("\tgamma")]
    assert float(line.split()[1]) == pytest.approx(0.1, rel=1e-12)  # Lenstool's γ again
    assert not any("light" in n for n in back_notes)  # the holder is not a light profile worth a note
