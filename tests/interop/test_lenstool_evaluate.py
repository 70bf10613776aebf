"""Imported published Lenstool models (best.par + the input's images) evaluated with our physics.

Published fits (data README): image-plane rms 0.672″ (A2744) and 0.494″ (AS1063 gold), from Lenstool's
Chi2pos with its own choice of source position. Our evaluation chooses each system's source by the
linearised image-plane χ² (optimal), which can only lower the rms for the same mass model, so a model
imported correctly must do at least as well as published (within 5 %) and find every observed image;
an import error (σ convention, ellipticity, angles, shear normalisation, kpc) raises the rms well above.

``source="lenstool"`` is Lenstool's own Chi2pos convention (|μ|-weighted barycentre, local image
search; docs/lenstool.md). Acceptance 1 of issue #7 asks it to give the published rms within 5 %. It
does for AS1063 (χ² 48.99 against the published 48.85, all 50 images found). A2744 gives χ² 148.45
(published 150.08, rms 0.679″ against 0.672″) but the search does not find one image of system 33, whose
predicted pair (μ ≈ ±240) nearly merges on the critical line; a source shift of ~3e-3″ decides it, below what our model
reproduces of that run (its kpc/″ is 0.35 % off our cosmology), so that case stays xfail(strict).
"""


from functools import cache

import numpy as np
import pytest
from lenstool_data import DATA, VARIANTS  # tests/interop is on sys.path under pytest

from clusterfit.fit.evaluate import evaluate_model
from clusterfit.interop.lenstool import import_lenstool

pytestmark = [pytest.mark.slow]


CASES = [
    ("a2744", "A2744_SLspec.par", 0.672, 83),
    ("as1063_gold", "SMACS2248_HFF_NE.par", 0.494, 50),
]
A2744_SYSTEM_33 = pytest.mark.xfail(
    strict=True, reason="issue #7 acceptance 1: χ² 148.45 (published 150.08) but one image of A2744 "
    "system 33 (a nearly merging pair beside the fold) is not found by Lenstool's search; see the module "
    "docstring")
LENSTOOL_CASES = [pytest.param(*CASES[0], marks=A2744_SYSTEM_33), CASES[1]]


@cache
def evaluated(folder: str, inputs: str, source: str = "optimal"):
    """The published best.par imported with its input's images and evaluated (``source`` as in
    :func:`evaluate_model`); each (model, convention) is solved once per session (a minute on 2 cores)."""
    model = import_lenstool(DATA / folder / "best.par", images=DATA / folder / inputs)
    return evaluate_model(model, source=source)


@pytest.mark.parametrize("folder,inputs,published,n_images", CASES)
def test_published_best_par_reproduces_the_published_fit(folder, inputs, published, n_images):
    ev = evaluated(folder, inputs)
    assert ev.n_images == n_images
    assert ev.n_missing == 0
    assert ev.rms_arcsec <= 1.05 * published, ev.rms_arcsec
    assert ev.rms_arcsec > 0.5 * published  # not a degenerate evaluation


@pytest.mark.parametrize("folder,inputs,published,n_images", LENSTOOL_CASES)
def test_lenstool_convention_reproduces_the_published_chi2pos(folder, inputs, published, n_images):
    ev = evaluated(folder, inputs, "lenstool")
    assert ev.n_images == n_images
    assert ev.n_missing == 0  # Lenstool's MCMC rejects a model with an image its search cannot find
    assert ev.n_extra == 0
    # published rms = sigposArcsec·√(Chi2pos/N) with sigposArcsec = 0.5″ and σ = 0.5″ for every image
    assert abs(ev.rms_arcsec / published - 1) < 0.05, ev.rms_arcsec
    assert abs(0.5 * np.sqrt(ev.chi2 / n_images) / published - 1) < 0.05, ev.chi2


def test_a2744_lenstool_convention_rms_within_5_percent():
    """Acceptance 1 as worded, for A2744: the rms and χ² of Lenstool's convention are within 5 % of the
    published fit. The one image it does not find is in system 33 (the nearly merging pair described
    above); everything stricter is the xfail case of the test before."""
    folder, inputs, published, n_images = CASES[0]
    ev = evaluated(folder, inputs, "lenstool")
    assert ev.n_images == n_images
    assert [s.name for s in ev.systems if s.n_missing] in ([], ["point_33"]), ev.n_missing
    assert ev.n_missing <= 1
    assert abs(ev.rms_arcsec / published - 1) < 0.05, ev.rms_arcsec
    assert abs(0.5 * np.sqrt(ev.chi2 / n_images) / published - 1) < 0.05, ev.chi2


def test_best_par_with_fitted_redshifts_evaluates_at_them(tmp_path, capsys):
    """Issue 16: AS1063's best.par reporting four fitted redshifts (image block and header) over an input
    whose catalogue has z = 0 and priors Uniform(1, 7) for them (tests/data/lenstool_variants/as1063_zfit).
    Imported with the CLI as it comes and evaluated with ``--source lenstool --json``: the systems sit at
    their fitted redshifts (not 4.0, the prior midpoint) and the published rms is reproduced within 5 %;
    the per-image residuals add up to the total χ²."""
    import json

    from clusterfit.cli import main

    d = VARIANTS / "as1063_zfit"
    assert main(["import-lenstool", str(d / "best.par"), "--images", str(d / "SMACS2248_zfree.par"),
                 "-o", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m"), "--source", "lenstool", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    z = {s["name"]: s["redshift"] for s in ev["systems"]}
    assert [z[f"point_{k}"] for k in (11, 13, 27, 54)] == pytest.approx([3.116, 4.113, 5.051, 3.169],
                                                                       abs=1e-9)
    assert ev["n_images"] == 50 and ev["n_missing"] == 0
    assert abs(ev["rms_arcsec"] / 0.494 - 1) < 0.05, ev["rms_arcsec"]
    images = [im for s in ev["systems"] for im in s["images"]]
    assert len(images) == 50 and all(im["found"] for im in images)
    assert sum(im["chi2"] for im in images) == pytest.approx(ev["chi2"], rel=1e-9)
    first = images[0]
    assert first["id"] == "1.1" and first["system"] == "point_1"
    assert first["dy"] == pytest.approx(first["y_pred"] - first["y"], abs=1e-12)
    assert first["chi2"] == pytest.approx((first["dy"] ** 2 + first["dx"] ** 2) / 0.5**2, rel=1e-12)
