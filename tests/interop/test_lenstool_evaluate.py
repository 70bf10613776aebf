"""Imported published Lenstool models (best.par + the input's images) evaluated with our physics.

Published fits (data README): image-plane rms 0.672″ (A2744) and 0.494″ (AS1063 gold), from Lenstool's
Chi2pos with its own choice of source position. Our evaluation chooses each system's source by the
linearised image-plane χ² (optimal), which can only lower the rms for the same mass model, so a model
imported correctly must do at least as well as published (within 5 %) and find every observed image;
an import error (σ convention, ellipticity, angles, shear normalisation, kpc) raises the rms well above.

``source="lenstool"`` is Lenstool's own Chi2pos convention (plain barycentre, local image search;
docs/lenstool.md). Acceptance 1 of issue #7 asks it to give the published rms within 5 %. It does not yet:
measured χ² 61.51 (AS1063, all 50 found; published 48.85) and 189.0 with 2 of 83 images of system 33 not
found (A2744; published 150.08). The same mass models give the same χ² with the barycentre source and a
global solve + one-to-one pairing (AS1063 61.51), so the gap is in the imported mass model or data, not
in the χ² convention; the test is kept at 5 % and marked xfail(strict) until that is found.
"""


import numpy as np
import pytest
from lenstool_data import DATA  # tests/interop is on sys.path under pytest

from clusterfit.fit.evaluate import evaluate_model
from clusterfit.interop.lenstool import import_lenstool

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not DATA.is_dir(), reason="shared/data not present")]


CASES = [
    ("a2744", "A2744_SLspec.par", 0.672, 83),
    ("as1063_gold", "SMACS2248_HFF_NE.par", 0.494, 50),
]


@pytest.mark.parametrize("folder,inputs,published,n_images", CASES)
def test_published_best_par_reproduces_the_published_fit(folder, inputs, published, n_images):
    model = import_lenstool(DATA / folder / "best.par", images=DATA / folder / inputs)
    ev = evaluate_model(model)
    assert ev.n_images == n_images
    assert ev.n_missing == 0
    assert ev.rms_arcsec <= 1.05 * published, ev.rms_arcsec
    assert ev.rms_arcsec > 0.5 * published  # not a degenerate evaluation


@pytest.mark.xfail(strict=True, reason="issue #7 acceptance 1 open: Lenstool's convention gives rms 0.770″ "
                   "with 2 images unfound (A2744, published 0.672″) and 0.5546″ (AS1063, published "
                   "0.494″); see the module docstring")
@pytest.mark.parametrize("folder,inputs,published,n_images", CASES)
def test_lenstool_convention_reproduces_the_published_chi2pos(folder, inputs, published, n_images):
    model = import_lenstool(DATA / folder / "best.par", images=DATA / folder / inputs)
    ev = evaluate_model(model, source="lenstool")
    assert ev.n_images == n_images
    assert ev.n_missing == 0  # Lenstool's MCMC rejects a model with an image its search cannot find
    assert ev.n_extra == 0
    # published rms = sigposArcsec·√(Chi2pos/N) with sigposArcsec = 0.5″ and σ = 0.5″ for every image
    assert abs(ev.rms_arcsec / published - 1) < 0.05, ev.rms_arcsec
    assert abs(0.5 * np.sqrt(ev.chi2 / n_images) / published - 1) < 0.05, ev.chi2
