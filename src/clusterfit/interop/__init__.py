"""Interoperability with other lens-modelling codes: Lenstool ``.par`` import and export."""

from .lenstool import LenstoolError, export_lenstool, import_lenstool

__all__ = ["import_lenstool", "export_lenstool", "LenstoolError"]
