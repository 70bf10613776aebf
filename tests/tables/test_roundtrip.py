"""write → read → write is byte-identical and value-exact, for random valid tables (hypothesis)."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterfit import load_model, save_model
from clusterfit.registry import Domain, specs_for_family
from clusterfit.tables import ClusterModel, PointImage, ProfileRow, ScalingGalaxy, ScalingRelation
from clusterfit.tables.bookkeeping import with_bookkeeping
from clusterfit.tables.cosmology import CosmologyRow
from clusterfit.tables.model import TABLE_FILES, render_model

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)
names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
noise = st.floats(1e-5, 100.0)  # positions_noise's domain


def in_domain(domain: Domain):
    """Floats inside a registry domain (finite, |x| ≤ 1e12)."""
    lo = -1e12 if domain.lower is None else domain.lower
    hi = 1e12 if domain.upper is None else domain.upper
    return st.floats(lo, hi, exclude_min=domain.lower_open, exclude_max=domain.upper_open)


def _repair(values: dict, draw) -> dict:
    """Values that meet their class's row constraints (r_core < r_cut, |ell_comps| < 1)."""
    if "r_cut" in values:
        values["r_cut"] = 2 * values["r_core"] + draw(positive)
    if "ell_comps_0" in values:
        norm = (values["ell_comps_0"] ** 2 + values["ell_comps_1"] ** 2) ** 0.5
        if norm >= 1.0:
            values["ell_comps_0"] *= 0.5 / norm
            values["ell_comps_1"] *= 0.5 / norm
    return values


@st.composite
def profile_rows(draw, family, galaxies, redshifts, cosmology):
    specs = specs_for_family(family)
    rows = []
    used = set()
    for galaxy in galaxies:
        for _ in range(draw(st.integers(1, 2))):
            spec = draw(st.sampled_from(specs))
            attr = draw(names)
            if (galaxy, attr) in used:
                continue
            used.add((galaxy, attr))
            values = {}
            with_bookkeeping = draw(st.booleans())
            for p in spec.parameters:
                for col in p.columns:
                    if not p.bookkeeping:
                        values[col] = draw(in_domain(p.domain))
                    elif with_bookkeeping:
                        values[col] = {"redshift_object": redshifts[galaxy], "H0": cosmology.H0,
                                       "Om0": cosmology.Om0}.get(col, draw(in_domain(p.domain)))
            z = redshifts[galaxy] if (family != "light" or draw(st.booleans())) else None
            rows.append(ProfileRow(family, galaxy, attr, spec.name, _repair(values, draw), z))
    return tuple(rows)


@st.composite
def models(draw):
    cosmology = CosmologyRow(draw(st.floats(50, 90)), draw(st.floats(0.1, 0.5)))
    galaxies = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    # lenses in front of every source (validate checks the redshift order)
    redshifts = {g: draw(st.floats(0.05, 1.0)) for g in galaxies}
    sources = [f"src_{g}" for g in draw(st.lists(names, max_size=3, unique=True))]
    redshifts.update({g: draw(st.floats(1.5, 6.0)) for g in sources})
    mass = draw(profile_rows("mass", galaxies, redshifts, cosmology))
    light = draw(profile_rows("light", draw(st.lists(st.sampled_from(galaxies), unique=True)),
                              redshifts, cosmology))
    point = draw(profile_rows("point", sources, redshifts, cosmology))
    images = []
    attrs = {r.attr_name for r in point}
    for name in draw(st.lists(names.filter(lambda n: n not in attrs), max_size=3, unique=True)):
        z = draw(st.floats(1.5, 6.0))
        flux = draw(st.booleans())
        for y, x in draw(st.lists(st.tuples(finite, finite), min_size=1, max_size=4, unique=True)):
            images.append(PointImage(name, y, x, draw(noise),
                                     draw(finite) if flux else None, draw(positive) if flux else None,
                                     redshift=z))
    members, relations = (), ()
    if draw(st.booleans()):
        r_core = draw(positive)
        relations = (ScalingRelation("members", "dPIEMassSph", draw(positive),
                                     {"sigma_ref": draw(positive), "sigma_exponent": 0.25,
                                      "r_core_ref": r_core, "r_cut_ref": 2 * r_core + draw(positive)},
                                     draw(st.floats(0.1, 1.0))),)
        members = tuple(
            ScalingGalaxy(draw(finite), draw(finite), draw(positive), None,
                          {"mag": draw(finite), "id": draw(names)})
            for _ in range(draw(st.integers(1, 5)))
        )
    return ClusterModel(mass=mass, light=light, point=point, point_images=tuple(images),
                        scaling_galaxies=members, scaling_relations=relations, cosmology=cosmology)


def _texts(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in TABLE_FILES if (folder / n).exists()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_write_read_write_is_byte_identical_and_value_exact(model):
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp, "a"), Path(tmp, "b")
        save_model(model, first)
        loaded = load_model(first)
        save_model(loaded, second)
        assert _texts(first) == _texts(second)
        # value-exact: the loaded rows equal the originals (floats compare exactly), the PyAutoLens
        # bookkeeping cells (drawn at random, so often stale) as the folder implies them
        assert _same_values(loaded.mass, with_bookkeeping(model).mass)
        assert loaded.point_images == model.point_images
        assert loaded.scaling_galaxies == model.scaling_galaxies
        assert loaded.cosmology.H0 == model.cosmology.H0


def _same_values(a, b) -> bool:
    return [(r.galaxy, r.attr_name, r.profile_class, r.values, r.redshift) for r in a] == \
        [(r.galaxy, r.attr_name, r.profile_class, r.values, r.redshift) for r in b]


def test_example_roundtrip_is_exact(example_copy, tmp_path):
    model = load_model(example_copy)
    save_model(model, tmp_path / "out")
    again = load_model(tmp_path / "out")
    assert render_model(again) == render_model(model)
    assert again.mass == model.mass and again.priors == model.priors


def test_save_is_atomic_when_rendering_fails(example_copy, monkeypatch):
    """An error half-way leaves every old file intact and no temporary files behind."""
    import clusterfit.tables.render as tm

    before = _texts(example_copy)
    model = load_model(example_copy)

    def boom(*_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tm, "render_priors", boom)
    try:
        save_model(model.replace(mass=model.mass[:1]), example_copy)
    except RuntimeError:
        pass
    assert _texts(example_copy) == before
    assert not list(example_copy.glob(".*tmp"))


def test_save_is_atomic_when_writing_fails(example_copy, monkeypatch):
    import os

    import clusterfit.output as io_  # the one atomic writer (save_model uses it)

    before = _texts(example_copy)
    model = load_model(example_copy)
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("no space left on device")
        real_fsync(fd)

    monkeypatch.setattr(io_.os, "fsync", failing_fsync)
    try:
        save_model(model.replace(mass=model.mass[:1]), example_copy)
    except OSError:
        pass
    assert _texts(example_copy) == before
    assert not list(example_copy.glob(".*tmp"))
