"""CSV tables: schema, readers and writers, validation, display. No physics here."""

from .cosmology import CosmologyRow
from .errors import CsvError, CsvErrors, CsvWarning
from .free import FreeParameter
from .model import TABLE_FILES, ClusterModel, Galaxy, load_model, save_model, validate_folder
from .rows import (
    PointDataset,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
    Source,
)
from .sky import SkyReference

__all__ = [
    "CsvError", "CsvErrors", "CsvWarning", "ClusterModel", "Galaxy", "FreeParameter", "TABLE_FILES",
    "load_model", "save_model", "validate_folder", "CosmologyRow", "PointDataset", "PointImage",
    "PriorRow", "ProfileRow", "ScalingGalaxy", "ScalingRelation", "Source", "SkyReference",
]
