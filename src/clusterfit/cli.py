"""The ``clusterfit`` command line."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from rich.console import Console

from .cli_output import (
    INTERRUPTED,
    INVALID_INPUT,
    USAGE,
    CliConsole,
    error_json,
    escape,
    report_error,
)
from .cli_run import cmd_demo, cmd_evaluate, cmd_fit, cmd_maps, cmd_simulate
from .cli_tables import (
    cmd_diff,
    cmd_export_autolens,
    cmd_export_lenstool,
    cmd_import_lenstool,
    cmd_show,
    cmd_validate,
)
from .fit.search import TARGET_ACCEPT, SearchConfig
from .tables.display import HEAD, TAIL

_NUTS = SearchConfig()  # the nuts search's defaults, in one place

__all__ = ["main", "build_parser"]


def _count(minimum: int):
    """An argparse type: an integer ≥ ``minimum`` (a usage error naming the option otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}; give {minimum} or more")
        return value

    return parse


def _open_fraction(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1 (an acceptance rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{value:g} is not between 0 and 1; give e.g. 0.8 or 0.95")
    return value


def _add_search_options(p: argparse.ArgumentParser, n_live: int, n_networks: int) -> None:
    p.add_argument("--n-live", type=_count(1), default=n_live, help="nautilus live points")
    p.add_argument("--n-eff", type=_count(1), default=1000, help="effective posterior samples to reach")
    p.add_argument("--n-networks", type=_count(1), default=n_networks, help="nautilus networks per bound")
    p.add_argument("--seed", type=_count(0), default=1, help="seed of the search")
    p.add_argument("--pool", default=None, metavar="N|dask://HOST:PORT|mpi",
                   help="where likelihood batches, MAP starts and NUTS chains run: N processes, a dask "
                   "scheduler or MPI ranks (docs/scaling.md)")
    p.add_argument("--checkpoint", type=Path, default=None, help="HDF5 file to resume from")
    p.add_argument("--n-starts", type=_count(1), default=4, help="laplace search: optimiser starts")
    p.add_argument("--n-samples", type=_count(1), default=8000, help="laplace search: importance samples")
    p.add_argument("--chains", type=_count(1), default=_NUTS.n_chains, help="nuts search: chains")
    p.add_argument("--warmup", type=_count(20), default=_NUTS.n_warmup,
                   help="nuts search: warm-up steps per chain (Stan's windows need 20 or more)")
    p.add_argument("--draws", type=_count(1), default=_NUTS.n_draws,
                   help="nuts search: draws per chain at most (stops once R̂ and ESS pass)")
    p.add_argument("--target-accept", type=_open_fraction, default=TARGET_ACCEPT,
                   help="nuts search: target acceptance of the step-size adaptation (raise to 0.95 when a run "
                        "reports divergent transitions)")


_OVERWRITE = ("replace the files this command writes if they exist already (other files in the output "
              "folder are never touched; docs/output.md)")


_JSON = "print the result as one JSON object on stdout; errors as one JSON object on stderr (docs/cli.md)"
_FOLDER = "the model folder (a folder of CSV tables)"


class _Parser(argparse.ArgumentParser):
    """Help with every default shown; usage errors as JSON on stderr when ``--json`` was asked for."""

    def __init__(self, *args, json_errors: bool = False, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)
        self.json_errors = json_errors

    def error(self, message: str):
        if self.json_errors:
            report_error(f"{self.prog}: {message}", USAGE, True, usage=self.format_usage().strip())
            self.exit(USAGE)
        super().error(message)


def _subcommand(sub, name: str, func, help: str, *, json: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help)
    if json:
        p.add_argument("--json", action="store_true", help=_JSON)
    p.set_defaults(func=func)
    return p


def build_parser(json_errors: bool = False) -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="clusterfit", json_errors=json_errors,
        description="Strong-lensing models of galaxy clusters in which a folder of CSV tables is the model. "
                    "Exit status: 0 ok, 1 invalid input (diff: differences, validate: problems), 2 usage, "
                    "130 interrupted (docs/cli.md).",
    )
    parser.add_argument("--version", action="version", version=f"clusterfit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=lambda **kw: _Parser(json_errors=json_errors, **kw))
    p = _subcommand(sub, "show", cmd_show, "print every table and the loaded objects with their source rows")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("--all", action="store_true", help=f"print every row of long tables (otherwise the first "
                   f"{HEAD} and last {TAIL} rows and a count of the others)")
    p = _subcommand(sub, "validate", cmd_validate, "list every problem in a model folder; exit 1 if any")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("--fix", action="store_true", help="first rewrite mass.csv's PyAutoLens bookkeeping cells "
                   "(redshift_object, redshift_source, H0, Om0) that are empty or stale; nothing else")
    p = _subcommand(sub, "diff", cmd_diff, "print the cells that differ between two model folders; exit 1 if "
                    "any")
    p.add_argument("a", type=Path, help="the first model folder")
    p.add_argument("b", type=Path, help="the second model folder")
    p = _subcommand(sub, "simulate", cmd_simulate, "simulate a model folder into a dataset folder")
    p.add_argument("model_folder", type=Path, help="the model folder to simulate")
    p.add_argument("-o", "--output", type=Path, required=True, help="the dataset folder to write")
    p.add_argument("--seed", type=_count(0), default=1, help="seed of the noise")
    p.add_argument("--positions-noise", type=float, default=0.05, help="1σ per axis, arcsec")
    p.add_argument("--no-noise", action="store_true", help="exact positions (noise column kept)")
    p.add_argument("--time-delays", action="store_true", help="add time delays (days)")
    p.add_argument("--imaging", action="store_true", help="also write data.fits, noise_map.fits, psf.fits")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "evaluate", cmd_evaluate, "the model against its point_datasets.csv: rms, chi2, "
                    "images")
    p.add_argument("folder", type=Path, help="the model folder with its point_datasets.csv")
    p.add_argument("--derived", action="store_true", help="with --json: add the derived quantities (Einstein "
                   "radii, aperture masses, magnification and parity; docs/products.md)")
    p.add_argument("--samples", type=_count(0), default=20, help="with --derived: posterior draws from the folder's "
                   "samples.csv for median and 16/84 %% (0: best fit only)")
    p.add_argument("--source", choices=("optimal", "barycentre", "lenstool"), default="optimal",
                   help="source position per system: optimal (linearised image-plane χ²), the "
                        "barycentre of the traced images, or lenstool (|μ|-weighted barycentre and "
                        "Lenstool's local image search: its Chi2pos; see docs/lenstool.md)")
    p = _subcommand(sub, "import-lenstool", cmd_import_lenstool, "a Lenstool .par (and its catalogues) → a "
                    "model folder")
    p.add_argument("par", type=Path, help="the Lenstool parameter file (.par)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the model folder to write")
    p.add_argument("--images", type=Path, default=None,
                   help="take the multiple images from this .par (the input .par of a best.par, which "
                        "names no image catalogue): only its image block, catalogue and sigposArcsec are "
                        "read, and the redshifts the best.par reports as fitted override its own")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "export-lenstool", cmd_export_lenstool, "a model folder → a Lenstool .par with "
                    "catalogues")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("-o", "--output", type=Path, required=True, help="the .par file to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "export-autolens", cmd_export_autolens, "a model folder → a folder for PyAutoLens's "
                    "CSV loaders (members expanded) with load_in_autolens.py")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "fit", cmd_fit, "fit a dataset folder; write the results folder (--json: the "
                    "summary; progress and notes go to stderr)")
    p.add_argument("folder", type=Path, help="the dataset folder (a model folder with point_datasets.csv)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the results folder")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.add_argument("--likelihood", default="auto",
                   help="source (source-plane, linearised χ²), image (image-plane χ²) or auto (the default: "
                        "source up to 20 free parameters, image above; the choice printed, README); "
                        "source+time_delay, source+flux, source+time_delay+flux add those columns of "
                        "point_datasets.csv (positions alone by default; a column present but not fitted "
                        "is noted)")
    p.add_argument("--search", choices=("auto", "nautilus", "nuts", "laplace"), default="auto",
                   help="nested sampling over the prior; NUTS chains from the MAP (R̂, ESS reported); "
                   "MAP + importance sampling around it (fastest); auto (the default): chosen for the "
                   "model, the choice printed (README)")
    p.add_argument("--no-plots", action="store_true",
                   help="skip the figures (critical curves, corner plot): tables and report only")
    _add_search_options(p, n_live=300, n_networks=2)
    p = _subcommand(sub, "maps", cmd_maps, "FITS maps (κ, γ, ψ, α, μ; WCS) of a results folder, with "
                    "posterior ranges, a quick-look PNG and DS9 regions")
    p.add_argument("results", type=Path, help="a results folder (or any model folder)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write the maps into")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.add_argument("--z", type=float, required=True, help="source redshift of the maps")
    p.add_argument("--fov", type=float, default=120.0, help="field of view, arcsec (square)")
    p.add_argument("--pixel", type=float, default=0.1, help="pixel size, arcsec")
    p.add_argument("--samples", type=_count(0), default=0,
                   help="posterior draws from samples.csv for median and 16/84 %% maps (0: best fit only)")
    p.add_argument("--seed", type=_count(0), default=1, help="seed of the posterior draws")
    p = _subcommand(sub, "demo", cmd_demo, "simulate the embedded example, fit it and map the best fit")
    p.add_argument("-o", "--output", type=Path, default=Path("clusterfit_demo"),
                   help="the folder for dataset/, results/ and maps/")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    _add_search_options(p, n_live=200, n_networks=1)
    return parser


def _show_csv_warnings(console: Console):
    """Route :class:`~clusterfit.tables.CsvWarning` (issued by ``load_model``) to the console as
    ``warning: file:line column: ...``; other warnings as one line on stderr."""
    from .tables.errors import CsvWarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, CsvWarning):
            console.print(f"[yellow]warning:[/yellow] {escape(str(message))}", highlight=False)
        else:  # one line on stderr, no source location
            _show_warning(message, category, filename, lineno, file, line)

    return show


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    as_json = "--json" in argv
    args = build_parser(json_errors=as_json).parse_args(argv)
    as_json = getattr(args, "json", False)
    # with --json, stdout carries the JSON object only: progress, notes, warnings and messages go to stderr
    console = CliConsole(stderr=as_json)
    with warnings.catch_warnings():
        warnings.showwarning = _show_csv_warnings(console)
        try:
            return args.func(args, console)
        except (ValueError, OSError) as exc:  # bad input; disk full, permissions: the system's words, the path
            return report_error(str(exc), INVALID_INPUT, as_json, console, errors=_errors_json(exc))
        except KeyboardInterrupt:
            return report_error("nothing was written; earlier output is as it was", INTERRUPTED, as_json,
                                console)


def _errors_json(exc: Exception) -> list[dict]:
    from .tables.errors import CsvError, CsvErrors

    if isinstance(exc, CsvErrors):
        return [error_json(e) for e in exc.errors]
    return [error_json(exc)] if isinstance(exc, CsvError) else []


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    Console(stderr=True, soft_wrap=True).print(f"warning: {message}", highlight=False, markup=False)


if __name__ == "__main__":
    sys.exit(main())
