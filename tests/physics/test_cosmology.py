"""Cosmology: distances against astropy directly, the distance-ratio matrix, lensing scales."""

import astropy.units as u
import numpy as np
import pytest
from astropy.cosmology import FlatLambdaCDM

from clusterfit.physics.cosmology import DEFAULT_COSMOLOGY, Cosmology

REF = FlatLambdaCDM(H0=67.66, Om0=0.30966, Tcmb0=2.7255 * u.K, Neff=3.046, m_nu=0.0 * u.eV)


def test_defaults_are_design_values():
    assert (DEFAULT_COSMOLOGY.H0, DEFAULT_COSMOLOGY.Om0) == (67.66, 0.30966)
    assert hash(Cosmology()) == hash(DEFAULT_COSMOLOGY) and Cosmology() == DEFAULT_COSMOLOGY


@pytest.mark.parametrize("z1,z2", [(0.0, 0.3), (0.2, 1.0), (0.5, 3.0), (1.0, 1.5)])
def test_distances_match_astropy(z1, z2):
    ours = DEFAULT_COSMOLOGY.angular_diameter_distance(z1, z2)
    assert ours == pytest.approx(REF.angular_diameter_distance(z1, z2).to_value(u.Mpc), rel=1e-12)
    assert DEFAULT_COSMOLOGY.angular_diameter_distance(z2) == pytest.approx(
        REF.angular_diameter_distance(z2).to_value(u.Mpc), rel=1e-12)
    assert DEFAULT_COSMOLOGY.angular_diameter_distance(z2, z1) == 0.0


def test_other_parameters_change_distances():
    c = Cosmology(H0=70.0, Om0=0.3)
    ref = FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=2.7255 * u.K, Neff=3.046, m_nu=0.0 * u.eV)
    assert c.angular_diameter_distance(0.7) == pytest.approx(ref.angular_diameter_distance(0.7).value, rel=1e-12)


def test_distance_ratio_matrix():
    z = [0.3, 0.5, 1.2, 2.5]
    r = DEFAULT_COSMOLOGY.distance_ratio_matrix(z)
    assert r.shape == (4, 4)
    assert np.all(np.tril(r) == 0.0)  # 0 for j <= i
    for i in range(4):
        for j in range(i + 1, 4):
            expect = REF.angular_diameter_distance(z[i], z[j]) / REF.angular_diameter_distance(z[j])
            assert r[i, j] == pytest.approx(float(expect), rel=1e-12)
    assert np.all((r[np.triu_indices(4, 1)] > 0) & (r[np.triu_indices(4, 1)] < 1))
    # a nearer deflector bends more towards the same far plane
    assert np.all(np.diff(r[:3, 3]) < 0)


def test_critical_surface_density_and_scales():
    zl, zs = 0.4, 2.0
    dl = REF.angular_diameter_distance(zl)
    ratio = REF.angular_diameter_distance(zl, zs) / REF.angular_diameter_distance(zs)
    from astropy.constants import G, c
    sig = (c**2 / (4 * np.pi * G * dl * ratio)).to(u.Msun / u.kpc**2)
    # PyAutoLens's M☉ (1.98847e30 kg) differs from astropy's by 3e-5
    assert DEFAULT_COSMOLOGY.critical_surface_density(zl, zs, unit="kpc2") == pytest.approx(sig.value, rel=1e-4)
    no_ratio = DEFAULT_COSMOLOGY.critical_surface_density(zl, unit="kpc2")
    assert no_ratio == pytest.approx(DEFAULT_COSMOLOGY.critical_surface_density(zl, zs, "kpc2") * float(ratio))
    kpc = DEFAULT_COSMOLOGY.kpc_per_arcsec(zl)
    assert kpc == pytest.approx(1.0 / REF.arcsec_per_kpc_proper(zl).value, rel=1e-10)
    assert DEFAULT_COSMOLOGY.arcsec_per_kpc(zl) * kpc == pytest.approx(1.0)
    assert DEFAULT_COSMOLOGY.critical_surface_density(zl, zs) == pytest.approx(
        DEFAULT_COSMOLOGY.critical_surface_density(zl, zs, "kpc2") * kpc**2)
    rho = REF.critical_density(zl).to(u.Msun / u.kpc**3).value
    assert DEFAULT_COSMOLOGY.critical_density(zl) == pytest.approx(rho, rel=1e-5)
    with pytest.raises(ValueError):
        DEFAULT_COSMOLOGY.critical_surface_density(zl, unit="pc2")


@pytest.mark.parametrize("cosmo, ref", [
    (DEFAULT_COSMOLOGY, REF),
    (Cosmology(67.74, 0.3075, m_nu=(0.0, 0.0, 0.06)),
     FlatLambdaCDM(H0=67.74, Om0=0.3075, Tcmb0=2.7255 * u.K, Neff=3.046, m_nu=[0.0, 0.0, 0.06] * u.eV)),
])
def test_distance_table_ratios_match_astropy(cosmo, ref):
    """Jitted, interpolated D_ls/D_s (free source redshifts) vs astropy and distance_ratio_matrix."""
    import jax

    from clusterfit.physics.cosmology import distance_table

    table = distance_table(cosmo)
    z = np.array([0.1, 0.5, 1.0, 3.0, 7.0, 15.0, 19.9])
    np.testing.assert_allclose(table.comoving_distance(z), ref.comoving_distance(z).to_value(u.Mpc),
                               rtol=1e-11)
    ratio = jax.jit(table.ratio)
    for zl in (0.2, 0.3, 0.55):
        zs = np.concatenate([zl + np.geomspace(0.05, 1.0, 12), np.linspace(1.5, 20.0, 40)])
        expect = (ref.angular_diameter_distance(zl, zs) / ref.angular_diameter_distance(zs)).value
        np.testing.assert_allclose(ratio(zl, zs), expect, rtol=1e-10, atol=0)
        np.testing.assert_allclose(ratio(zl, zs[[0, 20, 50]]),
                                   cosmo.distance_ratio_matrix([zl, *zs[[0, 20, 50]]])[0, 1:], rtol=1e-10)
    assert float(ratio(1.0, 0.5)) == 0.0 and float(ratio(1.0, 1.0)) == 0.0
