"""A Lenstool model whose free source redshift could move the last plane: the import holds that plane with a
light-only galaxy (interop/lenstool/units.py ``hold_last_plane``). PyAutoLens's own readers must build the
same lens from the folder: their tracer's last plane is that galaxy's, and every source plane's deflection
agrees with ours (issue 17's readers-only comparison, tests/crosscheck/test_tables_autolens.py)."""

from __future__ import annotations

import pytest
from test_tables_autolens import DEFLECTION_TOL, _their_tracer, _worst_against_ours

from clusterfit.interop import import_lenstool
from clusterfit.tables import load_model, save_model

pytestmark = [pytest.mark.crosscheck]

_CAT = """1.1 10.0 2.0 0.1 0.1 0 1.5 0
1.2 -8.0 -3.0 0.1 0.1 0 1.5 0
2.1 6.0 9.0 0.1 0.1 0 0.0 0
2.2 -5.0 -7.0 0.1 0.1 0 0.0 0
"""
_HALO = ("\tprofil 81\n\tx_centre 1.0\n\ty_centre -1.0\n\tellipticite 0.2\n\tangle_pos 10.0\n\tcore_radius 2.0\n"
         "\tcut_radius 300.0\n\tv_disp 900.0")


def test_held_last_plane_is_autolens_last_plane_and_the_same_lens(al, lenstool_par, tmp_path):
    par = lenstool_par({"halo": _HALO, "ext": "\tprofil 14\n\tgamma 0.08\n\tangle_pos 25.0"}, catalogue=_CAT,
                       image="\tz_m_limit 1 2 1 1.0 5.0 0.1\n")
    save_model(import_lenstool(par), tmp_path / "folder")
    model = load_model(tmp_path / "folder")
    tracer = _their_tracer(al, tmp_path / "folder")
    assert float(tracer.plane_redshifts[-1]) == 5.0
    assert _worst_against_ours(al, tracer, model) < DEFLECTION_TOL
