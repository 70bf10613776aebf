"""Lenstool profil 12 (NFW) import/export and the refused profil 14 ``kappa``.

Expected values come from the NFW definitions (ρ_s = δ_c ρ_crit, r_s = r200/c, κ_s = ρ_s r_s / Σ_cr with
Σ_cr = c²/(4πG D_l) for D_ls/D_s = 1), evaluated with astropy, and from Lenstool's e_nfw.c
normalisation b0 = 6π (σ_s/c)² = 4 κ_s r_s; the importer follows Lenstool's σ_s route instead.
"""

from __future__ import annotations

import math
from pathlib import Path

import astropy.constants as const
import astropy.units as u
import pytest
from astropy.cosmology import FlatLambdaCDM

from clusterfit.interop import LenstoolError, export_lenstool, import_lenstool
from clusterfit.physics.cosmology import Cosmology

ZL = 0.3
_PAR = """runmode
\treference 3 10.0 -20.0
\tend
image
\tmultfile 1 imgs.cat
\tmult_wcs 0
\tsigposArcsec 0.4
\tend
potentiel halo
{lines}
\tz_lens 0.3
\tend
cosmology
\tH0 70.0
\tomegaM 0.3
\tomegaX 0.7
\tend
fini
"""
_CAT = """1.1 10.0 2.0 0.1 0.1 0 1.5 0
1.2 -8.0 -3.0 0.1 0.1 0 1.5 0
"""


def _import(tmp_path: Path, lines: str):
    (tmp_path / "imgs.cat").write_text(_CAT)
    (tmp_path / "in.par").write_text(_PAR.format(lines=lines))
    return import_lenstool(tmp_path / "in.par")


def _last_plane_ratio(z_r=1.5):
    return Cosmology(70.0, 0.3).distance_ratio_matrix([ZL, z_r])[0, 1]


def _halo(m):
    (row,) = [r for r in m.mass if r.galaxy == "halo"]
    assert row.profile_class == "NFWSph"
    return row


def test_profil_12_from_v_disp_and_scale_radius(tmp_path):
    m = _import(tmp_path, "\tprofil 12\n\tx_centre 1.0\n\ty_centre -2.0\n\tscale_radius 40.0\n\tv_disp 1100.0")
    row = _halo(m)
    b0 = 6 * math.pi * (1100.0 / 299792.458) ** 2 * 180 / math.pi * 3600  # arcsec
    assert row.values["scale_radius"] == pytest.approx(40.0, rel=1e-14)
    assert row.values["kappa_s"] == pytest.approx(b0 / (4 * 40.0) * _last_plane_ratio(), rel=1e-10)
    assert (row.values["y"], row.values["x"]) == (-2.0, 1.0)


def test_profil_12_from_concentration_and_m200_matches_the_nfw_definition(tmp_path):
    c, m200 = 5.0, 1.2e15
    m = _import(tmp_path, f"\tprofil 12\n\tconcentration {c}\n\tm200 {m200}")
    row = _halo(m)
    cosmo = FlatLambdaCDM(H0=70.0, Om0=0.3)
    rho_c = cosmo.critical_density(ZL).to(u.Msun / u.Mpc**3)
    r200 = (3 * m200 * u.Msun / (800 * math.pi * rho_c)) ** (1 / 3)
    rs = r200 / c
    rho_s = 200 / 3 * c**3 / (math.log(1 + c) - c / (1 + c)) * rho_c
    d_l = cosmo.angular_diameter_distance(ZL)
    sigma_cr = (const.c**2 / (4 * math.pi * const.G * d_l)).to(u.Msun / u.Mpc**2)
    kappa_s = float((rho_s * rs / sigma_cr).decompose())
    rs_arcsec = float((rs / d_l).decompose()) * 180 / math.pi * 3600
    # Lenstool's r200 uses the exponent 0.333333, not 1/3 (≈ 1e-6 relative)
    assert row.values["scale_radius"] == pytest.approx(rs_arcsec, rel=3e-6)
    assert row.values["kappa_s"] == pytest.approx(kappa_s * _last_plane_ratio(), rel=3e-6)


def test_profil_12_round_trip(tmp_path):
    m = _import(tmp_path, "\tprofil 12\n\tx_centre 1.5\n\ty_centre 0.5\n\tscale_radius_kpc 250.0\n\tv_disp 950.0")
    export_lenstool(m, tmp_path / "out" / "out.par")
    text = (tmp_path / "out" / "out.par").read_text()
    assert "profil 12" in text
    back = import_lenstool(tmp_path / "out" / "out.par")
    a, b = _halo(m), _halo(back)
    for k in ("y", "x", "kappa_s", "scale_radius"):
        assert b.values[k] == pytest.approx(a.values[k], rel=1e-12)


@pytest.mark.parametrize("lines,line,words", [
    ("\tprofil 12\n\tellipticite 0.3\n\tscale_radius 40.0\n\tv_disp 1100.0", 11,
     "Lenstool's NFW is elliptical in the potential"),
    ("\tprofil 12\n\tscale_radius 40.0", 9, "profil 12 needs its NFW parameters"),
    ("\tprofil 14\n\tgamma 0.1\n\tangle_pos 20.0\n\tkappa 0.05", 13, "external convergence"),
])
def test_refused_blocks_name_the_line(tmp_path, lines, line, words):
    with pytest.raises(LenstoolError) as info:
        _import(tmp_path, lines)
    assert words in str(info.value)
    assert f":{line}" in str(info.value)
