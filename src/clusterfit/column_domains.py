"""Domains that several tables share, and those of the numeric columns of the non-profile tables."""

from __future__ import annotations

from .spec import ANY, POSITIVE, ColumnSpec, Domain

__all__ = ["REDSHIFT_DOMAIN", "H0_DOMAIN", "MAG_DOMAIN", "EXPONENT_DOMAIN", "OM0_DOMAIN", "TABLE_COLUMNS",
           "column_domain"]

REDSHIFT_DOMAIN = Domain(0.0, 20.0, lower_open=True,
                         why="a plane at z ≤ 0 has no distance; the distance tables stop at z = 20")
H0_DOMAIN = Domain(20.0, 200.0, why="H0 is measured between about 60 and 80 km/s/Mpc")
MAG_DOMAIN = Domain(-50.0, 100.0, why="a magnitude; 10^(0.4 Δmag) overflows far outside")
EXPONENT_DOMAIN = Domain(-10.0, 10.0, why="a scaling exponent beyond ±10 makes (L/L_ref)^p overflow")
OM0_DOMAIN = Domain(0.0, 1.0, lower_open=True, upper_open=True, why="flat ΛCDM with 0 < Ωm < 1")

TABLE_COLUMNS: dict[tuple[str, str], ColumnSpec] = {
    (c.name, t): c for t, c in (
        ("point_datasets.csv", ColumnSpec("positions_noise", "arcsec", Domain(
            1e-5, 100.0, why="1σ astrometric error: from 10 µas (χ² overflows below) to 100 arcsec"))),
        ("point_datasets.csv", ColumnSpec("flux_noise", "image units", POSITIVE)),
        ("point_datasets.csv", ColumnSpec("time_delay_noise", "days", POSITIVE)),
        ("point_datasets.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("scaling_galaxies.csv", ColumnSpec("luminosity", "any consistent unit", POSITIVE)),
        ("scaling_galaxies.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("scaling_relations.csv", ColumnSpec(
            "luminosity_ref", "unit of luminosity", Domain(0.0, lower_open=True, why="L/L_ref needs L_ref > 0"))),
        ("scaling_relations.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("mass.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("light.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("point.csv", ColumnSpec("redshift", "", REDSHIFT_DOMAIN)),
        ("cosmology.csv", ColumnSpec("H0", "km/s/Mpc", H0_DOMAIN)),
        ("cosmology.csv", ColumnSpec("Om0", "", OM0_DOMAIN)),
    )
}
"""Domains of the numeric columns of the non-profile tables, keyed by (column, file)."""


def column_domain(file: str, column: str) -> Domain:
    """The domain of a non-profile column (``ANY`` when none is declared)."""
    spec = TABLE_COLUMNS.get((column, file))
    return ANY if spec is None else spec.domain
