"""Interoperability with other lens-modelling codes: Lenstool ``.par`` import and export."""

from .lenstool import export_lenstool, import_lenstool
from .lenstool_par import LenstoolError

__all__ = ["import_lenstool", "export_lenstool", "LenstoolError"]
