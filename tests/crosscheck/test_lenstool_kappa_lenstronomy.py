"""Lenstool's profil 14 ``kappa`` (external convergence) imported as a ``MassSheet`` beside the
``ExternalShear``: the tracer's deflection at each source plane vs lenstronomy's ``SHEAR`` + ``CONVERGENCE``.

Convention (Lenstool's documentation of profil 14, "external shear and convergence", public page
lenstool_idPIE_tutorial docs/sphinx/source/potentials/ExternalShear.md): ``gamma``, ``angle_pos`` and
``kappa`` ("the strength of the external convergence, constant over the field of view") are the
constant-field terms of one potential, so κ has γ's normalisation: the values hold for D_ls/D_s = 1 and
Lenstool scales both by D_ls/D_s per source. Expected deflection for a source at z_s, with
f = D_ls/D_s from astropy (with the project's radiation: T_cmb = 2.7255 K, N_eff = 3.046, see
clusterfit.physics.cosmology; Lenstool's own distances have none, a 4e-5 relative difference here that
belongs to the cosmology, not to this convention): lenstronomy ``SHEAR(gamma1 = f γ cos 2θ, gamma2 = f γ sin 2θ)`` +
``CONVERGENCE(kappa = f κ, ra_0 = x_centre, dec_0 = y_centre)``.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.cosmology import FlatLambdaCDM

from clusterfit.interop import import_lenstool
from clusterfit.model.compose import compose

pytestmark = [pytest.mark.crosscheck]

ZL, GAMMA, ANGLE, KAPPA, XC, YC = 0.3, 0.08, 25.0, 0.05, 3.0, -2.0
_CAT = """1.1 10.0 2.0 0.1 0.1 0 1.5 0
1.2 -8.0 -3.0 0.1 0.1 0 1.5 0
2.1 6.0 9.0 0.1 0.1 0 3.0 0
2.2 -5.0 -7.0 0.1 0.1 0 3.0 0
"""


def _import(lenstool_par, lines: str):
    return import_lenstool(lenstool_par({"ext": "\tprofil 14\n" + lines}, catalogue=_CAT))


def _dls_ds(zs: float) -> float:
    c = FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=2.7255 * u.K, Neff=3.046)
    return float(c.angular_diameter_distance(ZL, zs) / c.angular_diameter_distance(zs))


@pytest.mark.parametrize("lines,gamma", [
    (f"\tgamma {GAMMA}\n\tangle_pos {ANGLE}\n\tkappa {KAPPA}\n\tx_centre {XC}\n\ty_centre {YC}", GAMMA),
    (f"\tkappa {KAPPA}\n\tx_centre {XC}\n\ty_centre {YC}", 0.0),  # a block with only kappa
])
def test_shear_block_kappa_deflects_as_shear_plus_convergence(lenstool_par, tmp_path, lenstronomy_lens_model, lines, gamma):
    m = _import(lenstool_par, lines)
    classes = sorted(r.profile_class for r in m.mass)
    assert classes == (["ExternalShear", "MassSheet"] if gamma else ["MassSheet"])
    composed = compose(m)
    theta = composed.vector_from_tables()
    rng = np.random.default_rng(3)
    y, x = rng.uniform(-40, 40, 200), rng.uniform(-40, 40, 200)
    lens = lenstronomy_lens_model(["SHEAR", "CONVERGENCE"])
    t = math.radians(2 * ANGLE)
    planes = [p for p, z in enumerate(composed.layout.plane_redshifts) if z > ZL]
    assert [composed.layout.plane_redshifts[p] for p in planes] == [1.5, 3.0]
    for p in planes:
        f = _dls_ds(composed.layout.plane_redshifts[p])
        by, bx = composed.source_plane_yx(theta, y, x, p)
        kw = [dict(gamma1=f * gamma * math.cos(t), gamma2=f * gamma * math.sin(t)),
              dict(kappa=f * KAPPA, ra_0=XC, dec_0=YC)]
        ax, ay = lens.alpha(x, y, kw)
        np.testing.assert_allclose(x - np.asarray(bx), ax, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(y - np.asarray(by), ay, rtol=1e-8, atol=1e-10)


def test_shear_with_a_free_redshift_behind_the_last_plane_deflects_as_lenstool(lenstool_par, lenstronomy_lens_model):
    """System 2's z_m_limit (1 … 5) reaches behind the last fixed plane (1.5): the import holds the last
    plane with a light-only galaxy at 5 (interop/lenstool/units.py ``hold_last_plane``). Wherever the fit
    moves the redshift, each source plane's deflection stays Lenstool's γ × D_ls/D_s — both on the fit's
    path (the fixed tracer rescaled to θ's redshift) and composed again at θ."""
    m = import_lenstool(lenstool_par({"ext": f"\tprofil 14\n\tgamma {GAMMA}\n\tangle_pos {ANGLE}"},
                                     catalogue=_CAT, image="\tz_m_limit 1 2 1 1.0 5.0 0.1\n"))
    assert [(r.galaxy, r.redshift) for r in m.light] == [("last_plane", 5.0)]
    composed = compose(m)
    rng = np.random.default_rng(4)
    y, x = rng.uniform(-40, 40, 200), rng.uniform(-40, 40, 200)
    lens = lenstronomy_lens_model(["SHEAR"])
    t = math.radians(2 * ANGLE)
    i = composed.redshift_index["point_2"]
    for z2 in (3.0, 4.2, 1.1):
        theta = composed.vector_from_tables()
        theta[i] = z2
        for name, z in (("point_1", 1.5), ("point_2", z2)):
            f = _dls_ds(z)
            (ax, ay), = [lens.alpha(x, y, [dict(gamma1=f * GAMMA * math.cos(t), gamma2=f * GAMMA * math.sin(t))])]
            plane = composed.source_planes[name]
            by, bx = composed.source_plane_yx(theta, y, x, plane, composed.source_redshift(theta, name))
            again = composed.at(theta)
            by2, bx2 = again.source_plane_yx(again.vector_from_tables(), y, x, again.source_planes[name])
            for b_y, b_x in ((by, bx), (by2, bx2)):
                np.testing.assert_allclose(x - np.asarray(b_x), ax, rtol=1e-8, atol=1e-10)
                np.testing.assert_allclose(y - np.asarray(b_y), ay, rtol=1e-8, atol=1e-10)
