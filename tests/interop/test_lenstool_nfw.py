"""Lenstool profil 12 (NFW, round and pseudo-elliptical) import/export.

Expected values come from the NFW definitions (ρ_s = δ_c ρ_crit, r_s = r200/c, κ_s = ρ_s r_s / Σ_cr with
Σ_cr = c²/(4πG D_l) for D_ls/D_s = 1), evaluated with astropy, and from Lenstool's e_nfw.c
normalisation b0 = 6π (σ_s/c)² = 4 κ_s r_s; the importer follows Lenstool's σ_s route instead. The
elliptical block's deflections are compared with Lenstool's ``e_grad.c`` case 12 written out here in
numpy (ε = ``emass``, u² = (1 − ε) x'² + (1 + ε) y'², ``nfw_dpl``/``nfw_g`` of ``e_nfw.c``).
"""

from __future__ import annotations

import math

import astropy.constants as const
import astropy.units as u
import pytest
from astropy.cosmology import FlatLambdaCDM

from clusterfit.interop import LenstoolError, export_lenstool, import_lenstool
from clusterfit.physics.cosmology import Cosmology

ZL = 0.3


def _import(lenstool_par, lines: str):
    return import_lenstool(lenstool_par({"halo": lines}))


def _last_plane_ratio(z_r=1.5):
    return Cosmology(70.0, 0.3).distance_ratio_matrix([ZL, z_r])[0, 1]


def _halo(m):
    (row,) = [r for r in m.mass if r.galaxy == "halo"]
    assert row.profile_class == "NFWSph"
    return row


def test_profil_12_from_v_disp_and_scale_radius(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 12\n\tx_centre 1.0\n\ty_centre -2.0\n\tscale_radius 40.0\n\tv_disp 1100.0")
    row = _halo(m)
    b0 = 6 * math.pi * (1100.0 / 299792.458) ** 2 * 180 / math.pi * 3600  # arcsec
    assert row.values["scale_radius"] == pytest.approx(40.0, rel=1e-14)
    assert row.values["kappa_s"] == pytest.approx(b0 / (4 * 40.0) * _last_plane_ratio(), rel=1e-10)
    assert (row.values["y"], row.values["x"]) == (-2.0, 1.0)


def test_profil_12_from_concentration_and_m200_matches_the_nfw_definition(lenstool_par, tmp_path):
    c, m200 = 5.0, 1.2e15
    m = _import(lenstool_par, f"\tprofil 12\n\tconcentration {c}\n\tm200 {m200}")
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


def test_profil_12_round_trip(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 12\n\tx_centre 1.5\n\ty_centre 0.5\n\tscale_radius_kpc 250.0\n\tv_disp 950.0")
    export_lenstool(m, tmp_path / "out" / "out.par")
    text = (tmp_path / "out" / "out.par").read_text()
    assert "profil 12" in text
    back = import_lenstool(tmp_path / "out" / "out.par")
    a, b = _halo(m), _halo(back)
    for k in ("y", "x", "kappa_s", "scale_radius"):
        assert b.values[k] == pytest.approx(a.values[k], rel=1e-12)


def _lenstool_e_grad_12(x, y, xc, yc, eps, theta_deg, b0, rs):
    """Lenstool's e_grad_pot case 12 (alpha = 0) for D_ls/D_s = 1, in numpy, as written in its C source."""
    t = math.radians(theta_deg)
    px, py = x - xc, y - yc
    qx, qy = px * math.cos(t) + py * math.sin(t), py * math.cos(t) - px * math.sin(t)  # rotation(P, θ)
    uu = math.sqrt((1 - eps) * qx * qx + (1 + eps) * qy * qy)
    r = uu / rs
    if r > 1:
        g = math.log(r / 2) + 2 / math.sqrt(r * r - 1) * math.atan(math.sqrt((r - 1) / (r + 1)))
    else:
        g = math.log(r / 2) + 2 / math.sqrt(1 - r * r) * math.atanh(math.sqrt((1 - r) / (r + 1)))
    dpl = b0 * rs / uu * g  # nfw_dpl
    gx, gy = dpl * (1 - eps) * qx / uu, dpl * (1 + eps) * qy / uu
    return gx * math.cos(t) - gy * math.sin(t), gx * math.sin(t) + gy * math.cos(t)  # rotation(g, −θ)


def test_elliptical_profil_12_is_lenstools_pseudo_elliptical_nfw(lenstool_par, tmp_path):
    import jax.numpy as jnp

    from clusterfit.physics.functions import profile_function

    m = _import(lenstool_par, "\tprofil 12\n\tx_centre 1.0\n\ty_centre -2.0\n\tellipticite 0.3\n\tangle_pos 25.0\n"
                          "\tscale_radius 40.0\n\tv_disp 1100.0")
    (row,) = [r for r in m.mass if r.galaxy == "halo"]
    assert row.profile_class == "NFWEllipticalPotential"
    assert (row.values["ellipticity"], row.values["angle_pos"]) == (0.3, 25.0)
    b0 = 6 * math.pi * (1100.0 / 299792.458) ** 2 * 180 / math.pi * 3600  # arcsec, D_ls/D_s = 1
    pts = [(3.0, 4.0), (-30.0, 12.0), (70.0, -55.0), (1.5, -1.0)]
    p = {k: jnp.array([v]) for k, v in row.values.items()}
    d = profile_function("NFWEllipticalPotential", "deflections_yx")(
        p, jnp.array([q[1] for q in pts]), jnp.array([q[0] for q in pts]))
    for i, (x, y) in enumerate(pts):
        ax, ay = _lenstool_e_grad_12(x, y, 1.0, -2.0, 0.3, 25.0, b0, 40.0)
        # the table holds κ_s at the model's last plane: Lenstool's deflection × D_lr/D_r (1e-10:
        # the C formula, evaluated as written, differs from ours by ~1e-12 in float64)
        assert float(d.x[i]) == pytest.approx(ax * _last_plane_ratio(), rel=1e-10)
        assert float(d.y[i]) == pytest.approx(ay * _last_plane_ratio(), rel=1e-10)


@pytest.mark.parametrize("lines,eps,angle", [
    ("\tellip_pot 0.1\n\tangle_pos 10.0", 0.3, 10.0),  # set_lens.c: emass = 3 epot for profil 12
    ("\tellipticite -0.2\n\tangle_pos 10.0", 0.2, 100.0),  # −ε at θ is ε at θ + 90°
    ("\tellipticite 0.25\n\talpha 1.0", 0.25, 0.0),  # gNFW with inner slope 1 is the NFW
])
def test_elliptical_profil_12_variants(lenstool_par, tmp_path, lines, eps, angle):
    m = _import(lenstool_par, f"\tprofil 12\n{lines}\n\tscale_radius 40.0\n\tv_disp 1100.0")
    (row,) = [r for r in m.mass if r.galaxy == "halo"]
    assert row.profile_class == "NFWEllipticalPotential"
    assert row.values["ellipticity"] == pytest.approx(eps, rel=1e-14)
    assert row.values["angle_pos"] == pytest.approx(angle, rel=1e-14)


def test_elliptical_profil_12_round_trip(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 12\n\tx_centre 1.5\n\ty_centre 0.5\n\tellipticite 0.15\n\tangle_pos -35.0\n"
                          "\tscale_radius_kpc 250.0\n\tv_disp 950.0")
    export_lenstool(m, tmp_path / "out" / "out.par")
    text = (tmp_path / "out" / "out.par").read_text()
    assert "profil 12" in text and "ellipticite 0.15" in text and "angle_pos -35.0" in text
    back = import_lenstool(tmp_path / "out" / "out.par")
    (a,) = [r for r in m.mass if r.galaxy == "halo"]
    (b,) = [r for r in back.mass if r.galaxy == "halo"]
    assert b.profile_class == a.profile_class == "NFWEllipticalPotential"
    for k in ("y", "x", "ellipticity", "angle_pos", "kappa_s", "scale_radius"):
        assert b.values[k] == pytest.approx(a.values[k], rel=1e-12)


def test_nfw_elliptical_in_the_convergence_is_refused_on_export(lenstool_par, tmp_path):
    m = _import(lenstool_par, "\tprofil 12\n\tscale_radius 40.0\n\tv_disp 1100.0")
    (row,) = [r for r in m.mass if r.galaxy == "halo"]
    ell = type(row)("mass", row.galaxy, row.attr_name, "NFW", {**row.values, "ell_comps_0": 0.1,
                                                                "ell_comps_1": 0.0}, row.redshift, row.source)
    with pytest.raises(LenstoolError, match="NFWEllipticalPotential"):
        export_lenstool(m.replace(mass=(ell,)), tmp_path / "out" / "out.par")


@pytest.mark.parametrize("lines,line,words", [
    ("\tprofil 12\n\talpha 0.5\n\tscale_radius 40.0\n\tv_disp 1100.0", 11, "generalised NFW"),
    ("\tprofil 12\n\tellip_pot 0.4\n\tscale_radius 40.0\n\tv_disp 1100.0", 11, "is not below 1"),
    ("\tprofil 12\n\tscale_radius 40.0", 9, "profil 12 needs its NFW parameters"),
])
def test_refused_blocks_name_the_line(lenstool_par, tmp_path, lines, line, words):
    with pytest.raises(LenstoolError) as info:
        _import(lenstool_par, lines)
    assert words in str(info.value)
    assert f":{line}" in str(info.value)


def test_nfw_elliptical_potential_is_refused_by_export_autolens(lenstool_par, tmp_path, capsys):
    """PyAutoLens has no NFW elliptical in the potential: the export names the row and what to do."""
    import json

    from clusterfit.cli import main
    from clusterfit.tables.model import save_model

    m = _import(lenstool_par, "\tprofil 12\n\tellipticite 0.3\n\tscale_radius 40.0\n\tv_disp 1100.0")
    folder = save_model(m, tmp_path / "model")
    line = next(i for i, text in enumerate((folder / "mass.csv").read_text().splitlines(), 1)
                if "NFWEllipticalPotential" in text)
    capsys.readouterr()
    assert main(["export-autolens", folder, "-o", tmp_path / "al", "--json"]) == 1
    err = json.loads(capsys.readouterr().err)
    text = json.dumps(err, ensure_ascii=False)
    assert f"mass.csv:{line}" in text and "halo.mass is NFWEllipticalPotential" in text
    assert "PyAutoLens does not have" in text and "NFWSph" in text
    assert not (tmp_path / "al").exists()
