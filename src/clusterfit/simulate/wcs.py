"""The sky coordinates of a simulated image: a TAN (gnomonic) WCS about the folder's ``sky_reference.csv``.

The folder's offsets are x = −ξ·3600 (West positive), y = η·3600 (North positive) arcsec, with (ξ, η) the
standard coordinates in degrees of the TAN projection about (RA0, DEC0) (docs/csv_format.md,
``sky_reference.csv``); to first order x = −(RA − RA0)·cos(DEC0)·3600, y = (DEC − DEC0)·3600. The image is
North up, East left (CDELT1 < 0), FITS row 1 at the bottom (the orientation :func:`write_imaging` writes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from astropy.wcs import WCS

    from ..tables.sky import SkyReference
    from .imaging import ImagingConfig

__all__ = ["imaging_wcs"]


def imaging_wcs(config: ImagingConfig, reference: SkyReference) -> WCS:
    """The celestial WCS of an image of ``config`` (resolved ``pixel_scale``, arcsec) whose offset (0, 0)
    is ``reference`` (RA, Dec in degrees, ICRS).

    Pixel centre ``j`` (0-based column) is at x = centre_x + (j − nx/2 + 1/2)·s, so the offset origin is
    at the 1-based FITS pixel CRPIX1 = nx/2 + 1/2 − centre_x/s (likewise rows and y)."""
    from ..tables.sky import offset_wcs

    if config.pixel_scale is None:
        raise ValueError("imaging_wcs needs a resolved pixel_scale (resolve_config)")
    s = float(config.pixel_scale)
    ny, nx = config.shape
    wcs = offset_wcs(reference, s, (nx / 2 + 0.5 - config.centre[1] / s, ny / 2 + 0.5 - config.centre[0] / s))
    wcs.wcs.equinox = 2000.0
    return wcs
