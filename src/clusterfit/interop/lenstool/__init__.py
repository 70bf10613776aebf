"""Lenstool ↔ clusterfit tables: :func:`import_lenstool` and :func:`export_lenstool`.

Modules, one idea each (the full account of the conventions is docs/lenstool.md):
:mod:`.par` (tokenising a ``.par`` file into blocks), :mod:`.keywords` (Lenstool's keyword set, French
and English, from its C reader), :mod:`.catalogue` (catalogues and sky coordinates), :mod:`.units`
(kpc ↔ arcsec, shear, SIS, last-plane scaling), :mod:`.potentials`, :mod:`.potfile`, :mod:`.lenses`
(the mass model), :mod:`.images` (constraints and source redshifts), :mod:`.read` (import),
:mod:`.write` (export).
"""

from ...tables.rows import REDSHIFT
from .catalogue import radec_to_xy, read_catalogue, xy_to_radec
from .par import LenstoolError, parse_par
from .read import Z_GAUSSIAN_WIDTHS, bound_redshift_prior, import_lenstool
from .units import ellipticity_from_axes, shear_from_lenstool, shear_to_lenstool
from .write import export_lenstool

__all__ = ["import_lenstool", "export_lenstool", "LenstoolError",
           "shear_from_lenstool", "shear_to_lenstool", "ellipticity_from_axes", "REDSHIFT",
           "bound_redshift_prior", "Z_GAUSSIAN_WIDTHS", "parse_par", "read_catalogue", "radec_to_xy",
           "xy_to_radec"]
