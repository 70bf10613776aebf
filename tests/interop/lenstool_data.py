"""Where the published Lenstool models used by the interop tests live: tests/data/lenstool/ (README there),
the comparison of two imported models table by table, and a model saved and loaded again."""

from pathlib import Path

import numpy as np
import pytest

from clusterfit.tables import ClusterModel, load_model, save_model

__all__ = ["DATA", "VARIANTS", "assert_same_model", "reload"]

DATA = Path(__file__).resolve().parents[1] / "data" / "lenstool"
VARIANTS = Path(__file__).resolve().parents[1] / "data" / "lenstool_variants"
POSITION_ATOL = 1e-9  # arcsec: catalogue positions written as RA/Dec degrees (float spacing 2e-10″ at 342°)


def _free(model: ClusterModel) -> dict:
    out = {}
    for f in model.free_parameters:
        p = f.prior
        kind = "Uniform" if p.prior == "LogUniform" else p.prior
        out[(f.table, f.galaxy, f.attr_name, f.column)] = (kind, p.lower, p.upper, p.mean, p.sigma)
    return out


def assert_same_model(a: ClusterModel, b: ClusterModel, light: bool = True) -> None:
    def rows(model, fam):
        return {r.key: (r.profile_class, r.values, r.redshift) for r in model.family(fam)}

    for fam in ("mass", "point") + (("light",) if light else ()):
        ra, rb = rows(a, fam), rows(b, fam)
        assert ra.keys() == rb.keys(), fam
        for k in ra:
            assert ra[k][0] == rb[k][0] and ra[k][2] == rb[k][2], k
            # positions (point and member catalogues) may pass through RA/Dec in degrees, whose float
            # spacing near 360° is 2e-10″: 1e-9″ for them, 1e-12 relative for everything else
            tol = {c: pytest.approx(v, abs=POSITION_ATOL) if c in ("y", "x") and fam == "point" and v is not None
                   else pytest.approx(v, rel=1e-12, abs=1e-14) for c, v in rb[k][1].items()}
            assert ra[k][1] == tol, k
    assert [(i.name, i.positions_noise, i.redshift) for i in a.point_images] == \
        [(i.name, i.positions_noise, i.redshift) for i in b.point_images]
    assert np.allclose([(i.y, i.x) for i in a.point_images], [(i.y, i.x) for i in b.point_images],
                       rtol=0, atol=POSITION_ATOL) if a.point_images else not b.point_images
    assert len(a.scaling_galaxies) == len(b.scaling_galaxies)
    ra = {r.tier: r for r in a.scaling_relations}
    rb = {r.tier: r for r in b.scaling_relations}
    assert ra.keys() == rb.keys()
    for t in ra:
        assert ra[t].profile_class == rb[t].profile_class and ra[t].redshift == rb[t].redshift
        assert ra[t].values == pytest.approx(rb[t].values, rel=1e-12)
    for ga, gb in zip(a.scaling_galaxies, b.scaling_galaxies, strict=True):
        la = ga.luminosity / ra[ga.tier or next(iter(ra))].luminosity_ref
        lb = gb.luminosity / rb[gb.tier or next(iter(rb))].luminosity_ref
        assert (ga.y, ga.x) == pytest.approx((gb.y, gb.x), abs=POSITION_ATOL)
        assert la == pytest.approx(lb, rel=1e-12)
        assert ga.redshift == gb.redshift and ga.extra.keys() == gb.extra.keys()
        for k, v in ga.extra.items():
            assert v == (pytest.approx(gb.extra[k], rel=1e-12, abs=1e-13)
                         if isinstance(v, float) else gb.extra[k]), k
    assert _free(a).keys() == _free(b).keys()
    for k, va in _free(a).items():
        vb = _free(b)[k]
        assert va[0] == vb[0], k
        assert [x for x in va[1:] if x is not None] == pytest.approx(
            [x for x in vb[1:] if x is not None], rel=1e-12), k
    assert (a.cosmology.H0, a.cosmology.Om0) == (b.cosmology.H0, b.cosmology.Om0)
    assert a.sky_reference == b.sky_reference


def reload(model: ClusterModel, folder: Path) -> ClusterModel:
    """``model`` saved into ``folder`` and loaded from it (as a user's folder would be)."""
    save_model(model, folder)
    return load_model(folder)
