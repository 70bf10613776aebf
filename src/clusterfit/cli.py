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
    escape,
    print_json,
    report_error,
)
from .tables.display import HEAD, TAIL

__all__ = ["main", "build_parser"]


def _cmd_show(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.display import model_json, print_model

    model = load_model(args.folder)
    if args.json:
        print_json(model_json(model, all_rows=args.all))
    else:
        print_model(model, console, all_rows=args.all)
    return 0


def _cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from .tables.bookkeeping import bookkeeping_cells, stale_bookkeeping
    from .tables.bookkeeping_fix import fix_bookkeeping
    from .tables.model import _read_folder

    if args.fix:
        by_line: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the folder is read again below, warnings shown there
            fixed = fix_bookkeeping(args.folder)
        for c in fixed:
            by_line.setdefault(c.line, []).append(f"{c.column} {'(empty)' if c.found is None else repr(c.found)}"
                                                  f" → {c.expected!r}")
        for line, changes in by_line.items():
            console.print(f"fixed mass.csv:{line}: {', '.join(changes)}", highlight=False, markup=False)
    model, errors, found = _read_folder(args.folder)
    errors += stale_bookkeeping(model)
    if missing := [c for c in bookkeeping_cells(model) if not c.stale]:
        console.print(f"note: {len(missing)} PyAutoLens bookkeeping cells of mass.csv are empty (first: line "
                      f"{missing[0].line}, {missing[0].column!r}); PyAutoLens's readers would build those "
                      "profiles with their defaults (redshift_source 1.0), another lens. `clusterfit validate "
                      "--fix` fills them (docs/autolens.md)", highlight=False, markup=False)
    if args.json:
        print_json({"folder": str(args.folder), "valid": not errors, "errors": [_error_json(e) for e in errors],
                    "warnings": [w.format() for w in found]})
        return 1 if errors else 0
    folder = escape(str(args.folder))
    for w in found:
        console.print(f"[yellow]warning:[/yellow] {escape(w.format())}", highlight=False)
    if not errors:
        note = f" ({len(found)} warning{'s' if len(found) != 1 else ''})" if found else ""
        console.print(f"[green]{folder}: valid[/green]{note}")
        return 0
    console.print(f"[red]{len(errors)} problem{'s' if len(errors) != 1 else ''} in {folder}:[/red]")
    for e in errors:
        console.print(f"  {e.format()}", markup=False, highlight=False)
    return 1


def _cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.diff import diff_models

    diffs = diff_models(load_model(args.a), load_model(args.b))
    if args.json:
        print_json({"a": str(args.a), "b": str(args.b), "differences": [vars(d) for d in diffs]})
        return 1 if diffs else 0
    for d in diffs:
        console.print(str(d), markup=False, highlight=False)
    if not diffs:
        console.print("no differences")
    return 1 if diffs else 0


def _cmd_simulate(args: argparse.Namespace, console: Console) -> int:
    from .registry import column_domain
    from .simulate import PointNoise, simulate

    domain = column_domain("point_datasets.csv", "positions_noise")
    if not domain.contains(args.positions_noise):  # the dataset written must pass validate
        raise ValueError(f"--positions-noise {args.positions_noise:g}: needs "
                         f"{domain.describe('positions_noise')} (arcsec); {domain.why}")
    noise = PointNoise(positions_noise=args.positions_noise, add=not args.no_noise)
    notes: list[str] = []
    with console.status(f"simulating {escape(str(args.model_folder))} ..."):
        out = simulate(args.model_folder, args.output, seed=args.seed, noise=noise, notes=notes,
                       time_delays=args.time_delays, imaging=args.imaging, overwrite=args.overwrite)
    _print_written(console, out, "simulate", notes, args.json)
    return 0


def _print_written(console: Console, folder: Path, key: str, notes: list[str], as_json: bool = False) -> None:
    """``wrote FOLDER: files`` (from the folder's manifest) and the notes of the output policy; with
    ``as_json`` one JSON object ``{"command", "output", "files", "notes"}``."""
    from .output import read_manifest

    files = (read_manifest(folder)["runs"].get(key) or {}).get("files") or {}
    if as_json:
        print_json({"command": key, "output": str(folder), "files": sorted(files), "notes": notes})
        return
    console.print(f"wrote {folder}: " + ", ".join(sorted(files)), highlight=False, markup=False)
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)


def _cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    from .fit.evaluate import evaluate_model
    from .tables import load_model

    model = load_model(args.folder)
    if args.json:
        ev = evaluate_model(model, source=args.source)
        out = ev.to_json(model.sky_reference)
        if args.derived:
            from .products.derived import folder_derived

            out["derived"] = [q.to_json() for q in folder_derived(model, ev, args.samples)]
        print_json(out)
        return 0
    with console.status(f"solving the images of {escape(str(args.folder))} ..."):
        ev = evaluate_model(model, source=args.source)
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"{args.folder}: model vs point_datasets.csv"), title_justify="left")
    for col in ("system", "z", "images", "predicted", "missing", "extra", "rms [arcsec]", "chi2"):
        table.add_column(escape(col), justify="right" if col != "system" else "left")
    for s in ev.systems:
        table.add_row(Text(s.name), f"{s.redshift:g}", str(s.n_images), str(len(s.predicted)), str(s.n_missing),
                      str(s.n_extra), f"{s.rms_arcsec:.4f}", f"{s.chi2:.2f}")
    table.add_row("all", "", str(ev.n_images), "", str(ev.n_missing), str(ev.n_extra),
                  f"{ev.rms_arcsec:.4f}", f"{ev.chi2:.2f}", style="bold")
    console.print(table)
    for s in ev.systems:
        if s.time_delays is not None and s.predicted:
            extra = f"; time-delay χ² {s.time_delay_chi2:.2f}" if s.time_delay_chi2 is not None else ""
            extra += f"; flux χ² {s.flux_chi2:.2f}" if s.flux_chi2 is not None else ""
            cells = ", ".join(f"μ {m:+.2f} Δt {d:+.1f} d" for (_, _, m), d in zip(s.predicted, s.time_delays,
                                                                                 strict=True))
            console.print(f"{s.name}: {cells}{extra}", highlight=False, markup=False)
    return 0


def _cmd_import_lenstool(args: argparse.Namespace, console: Console) -> int:
    from .interop.lenstool import import_lenstool
    from .output import output_folder
    from .tables import TABLE_FILES
    from .tables.model import render_model

    notes: list[str] = []
    model = import_lenstool(args.par, notes=notes, images=args.images)
    if not model.mass and not model.scaling_galaxies:
        raise ValueError(f"{args.par}: no potentials to import (no potentiel or potfile block); "
                         f"nothing was written to {args.output}")
    contents = render_model(model)
    with output_folder(args.output, "import-lenstool", owned=contents, overwrite=args.overwrite,
                       companions=TABLE_FILES) as out:
        out.write_all(contents)
    notes += out.notes
    if args.json:
        print_json({"command": "import-lenstool", "output": str(args.output), "files": sorted(contents),
                    "notes": notes})
        return 0
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {args.output}: {len(model.mass)} mass rows, {len(model.scaling_galaxies)} members, "
                  f"{len(model.point_images)} images in {len(model.point_datasets)} systems, "
                  f"{len(model.priors)} priors", highlight=False, markup=False)
    return 0


def _cmd_export_lenstool(args: argparse.Namespace, console: Console) -> int:
    from .interop.lenstool import export_lenstool
    from .output import check_writable_file, output_folder
    from .tables import load_model

    notes: list[str] = []
    model = load_model(args.folder)
    name = check_writable_file(args.output, ".par file").name
    with output_folder(args.output.parent, "export-lenstool", owned=[name], overwrite=args.overwrite,
                       key=f"export-lenstool {name}") as out:
        export_lenstool(model, out.path(name), notes=notes)
    notes += out.notes
    path = args.output
    if args.json:
        print_json({"command": "export-lenstool", "output": str(path), "notes": notes})
        return 0
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {path} and its catalogues", highlight=False, markup=False)
    return 0


def _cmd_export_autolens(args: argparse.Namespace, console: Console) -> int:
    from .interop.autolens_export import export_autolens
    from .tables import load_model

    notes: list[str] = []
    out = export_autolens(load_model(args.folder), args.output, overwrite=args.overwrite, notes=notes)
    _print_written(console, out, "export-autolens", notes, args.json)
    if args.json:
        return 0
    console.print(f"in PyAutoLens: python {out / 'load_in_autolens.py'}", highlight=False, markup=False)
    return 0


def _search_config(args: argparse.Namespace):
    from .fit.search import SearchConfig

    return SearchConfig(n_live=args.n_live, seed=args.seed, n_eff=args.n_eff, n_networks=args.n_networks,
                        checkpoint=args.checkpoint, pool=args.pool, n_starts=args.n_starts,
                        n_samples=args.n_samples, n_chains=args.chains, n_warmup=args.warmup,
                        n_draws=args.draws)


def _print_fit(result, console: Console, truths: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from .fit.results import summary_rows

    table = Table(title="posterior (median, 16–84 %)", title_justify="left")
    for col in ("parameter", "median", "16 %", "84 %", "max L", "prior") + (("truth",) if truths else ()):
        table.add_column(col, justify="left" if col in ("parameter", "prior") else "right")
    for row in summary_rows(result.search, result.composed, result.truth if truths else None):
        cells = [Text(row[0]), *(f"{v:.4g}" for v in row[1:4]), f"{row[5]:.4g}", Text(row[6])]
        if truths:
            cells.append(f"{row[7]:.4g}")
        table.add_row(*cells)
    console.print(table)
    ev = result.evaluation
    log_z = result.search.log_z
    evidence = f"log-evidence {log_z:.2f}; " if log_z == log_z else ""  # NaN: an MCMC search
    console.print(f"image-plane rms {ev.rms_arcsec:.4f}\" over {ev.n_images} images, chi2 {ev.chi2:.2f}; "
                  f"{evidence}{result.search.n_like:,} likelihood "
                  f"evaluations in {result.search.wall_s:.1f} s", highlight=False)
    console.print(f"results: {result.folder}/ ({', '.join(sorted(result.files))})", highlight=False,
                  markup=False)


def _fit_json(result, notes: list[str]) -> dict:
    """The fit's summary as JSON: every free parameter's posterior, the image-plane fit, the search."""
    from .fit.results import summary_rows

    ev = result.evaluation
    keys = ("median", "p16", "p84", "map", "max_likelihood")
    return {
        "parameters": [{"name": row[0], **dict(zip(keys, row[1:6], strict=True)), "prior": row[6]}
                       for row in summary_rows(result.search, result.composed)],
        "rms_arcsec": ev.rms_arcsec, "chi2": ev.chi2, "n_images": ev.n_images,
        "log_evidence": result.search.log_z, "n_likelihood": result.search.n_like,
        "wall_s": result.search.wall_s, "output": str(result.folder),
        "files": {name: str(path) for name, path in sorted(result.files.items())}, "notes": notes,
    }


def _cmd_fit(args: argparse.Namespace, console: Console) -> int:
    from .fit.run import fit

    notes: list[str] = []
    result = fit(args.folder, args.output, likelihood=args.likelihood, search=args.search,
                 config=_search_config(args), console=console, overwrite=args.overwrite, notes=notes,
                 plots=not args.no_plots)
    if args.json:
        print_json(_fit_json(result, notes))
        return 0
    _print_fit(result, console, truths=False)
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    return 0


def _cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from .examples import example_folder
    from .fit.run import fit
    from .output import OutputError
    from .simulate import simulate

    out = args.output
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; give a folder path for the demo (-o)")
    if not args.overwrite and any((out / d).exists() for d in ("dataset", "results")):
        raise OutputError(f"{out} holds an earlier demo; pass --overwrite to replace its files, or -o another "
                          "folder")
    console.rule("clusterfit demo")
    console.print(f"1. simulate the embedded example ({example_folder()}) into {out / 'dataset'}",
                  highlight=False, markup=False)
    with console.status("solving the images of 3 sources behind a 33-galaxy cluster ..."):
        simulate(example_folder(), out / "dataset", seed=args.seed, overwrite=args.overwrite)
    console.print(f"2. fit it (source-plane likelihood, nautilus) into {out / 'results'}", highlight=False, markup=False)
    result = fit(out / "dataset", out / "results", config=_search_config(args), console=console,
                 overwrite=args.overwrite)
    if args.json:
        print_json({"dataset": str(out / "dataset"), **_fit_json(result, [])})
        return 0
    _print_fit(result, console, truths=True)
    console.print("plots: " + ", ".join(str(p) for n, p in sorted(result.files.items()) if n.endswith(".png")),
                  highlight=False, markup=False)
    console.print(f"Next: edit a CSV in {out / 'dataset'} (e.g. a sigma in mass.csv), then "
                  f"`clusterfit simulate {out / 'dataset'} -o {out / 'dataset'} --overwrite` and "
                  f"`clusterfit fit {out / 'dataset'} -o {out / 'results'} --overwrite` again.",
                  highlight=False, markup=False)
    return 0


def _cmd_maps(args: argparse.Namespace, console: Console) -> int:
    from .products.maps import make_maps

    notes: list[str] = []
    with console.status(f"maps of {escape(str(args.results))} at z = {args.z:g} ...") as status:
        files = make_maps(args.results, args.output, args.z, args.fov, args.pixel, args.samples, args.seed,
                          progress=lambda msg: status.update(f"maps of {escape(str(args.results))}: {msg}"),
                          overwrite=args.overwrite, notes=notes)
    if args.json:
        print_json({"command": "maps", "output": str(args.output), "files": [p.name for p in files],
                    "notes": notes})
        return 0
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {args.output}: " + ", ".join(p.name for p in files), highlight=False, markup=False)
    return 0


def _add_search_options(p: argparse.ArgumentParser, n_live: int, n_networks: int) -> None:
    p.add_argument("--n-live", type=int, default=n_live, help="nautilus live points")
    p.add_argument("--n-eff", type=int, default=1000, help="effective posterior samples to reach")
    p.add_argument("--n-networks", type=int, default=n_networks, help="nautilus networks per bound")
    p.add_argument("--seed", type=int, default=1, help="seed of the search")
    p.add_argument("--pool", default=None, metavar="N|dask://HOST:PORT|mpi",
                   help="where likelihood batches, MAP starts and NUTS chains run: N processes, a dask "
                   "scheduler or MPI ranks (docs/scaling.md)")
    p.add_argument("--checkpoint", type=Path, default=None, help="HDF5 file to resume from")
    p.add_argument("--n-starts", type=int, default=4, help="laplace search: optimiser starts")
    p.add_argument("--n-samples", type=int, default=8000, help="laplace search: importance samples")
    p.add_argument("--chains", type=int, default=4, help="nuts search: chains")
    p.add_argument("--warmup", type=int, default=500, help="nuts search: warm-up steps per chain")
    p.add_argument("--draws", type=int, default=1000, help="nuts search: draws kept per chain")


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
    p = _subcommand(sub, "show", _cmd_show, "print every table and the loaded objects with their source rows")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("--all", action="store_true", help=f"print every row of long tables (otherwise the first "
                   f"{HEAD} and last {TAIL} rows and a count of the others)")
    p = _subcommand(sub, "validate", _cmd_validate, "list every problem in a model folder; exit 1 if any")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("--fix", action="store_true", help="first rewrite mass.csv's PyAutoLens bookkeeping cells "
                   "(redshift_object, redshift_source, H0, Om0) that are empty or stale; nothing else")
    p = _subcommand(sub, "diff", _cmd_diff, "print the cells that differ between two model folders; exit 1 if "
                    "any")
    p.add_argument("a", type=Path, help="the first model folder")
    p.add_argument("b", type=Path, help="the second model folder")
    p = _subcommand(sub, "simulate", _cmd_simulate, "simulate a model folder into a dataset folder")
    p.add_argument("model_folder", type=Path, help="the model folder to simulate")
    p.add_argument("-o", "--output", type=Path, required=True, help="the dataset folder to write")
    p.add_argument("--seed", type=int, default=1, help="seed of the noise")
    p.add_argument("--positions-noise", type=float, default=0.05, help="1σ per axis, arcsec")
    p.add_argument("--no-noise", action="store_true", help="exact positions (noise column kept)")
    p.add_argument("--time-delays", action="store_true", help="add time delays (days)")
    p.add_argument("--imaging", action="store_true", help="also write data.fits, noise_map.fits, psf.fits")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "evaluate", _cmd_evaluate, "the model against its point_datasets.csv: rms, chi2, "
                    "images")
    p.add_argument("folder", type=Path, help="the model folder with its point_datasets.csv")
    p.add_argument("--derived", action="store_true", help="with --json: add the derived quantities (Einstein "
                   "radii, aperture masses, magnification and parity; docs/products.md)")
    p.add_argument("--samples", type=int, default=20, help="with --derived: posterior draws from the folder's "
                   "samples.csv for median and 16/84 %% (0: best fit only)")
    p.add_argument("--source", choices=("optimal", "barycentre", "lenstool"), default="optimal",
                   help="source position per system: optimal (linearised image-plane χ²), the "
                        "barycentre of the traced images, or lenstool (|μ|-weighted barycentre and "
                        "Lenstool's local image search: its Chi2pos; see docs/lenstool.md)")
    p = _subcommand(sub, "import-lenstool", _cmd_import_lenstool, "a Lenstool .par (and its catalogues) → a "
                    "model folder")
    p.add_argument("par", type=Path, help="the Lenstool parameter file (.par)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the model folder to write")
    p.add_argument("--images", type=Path, default=None,
                   help="take the multiple images from this .par (the input .par of a best.par, which "
                        "names no image catalogue): only its image block, catalogue and sigposArcsec are "
                        "read, and the redshifts the best.par reports as fitted override its own")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "export-lenstool", _cmd_export_lenstool, "a model folder → a Lenstool .par with "
                    "catalogues")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("-o", "--output", type=Path, required=True, help="the .par file to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "export-autolens", _cmd_export_autolens, "a model folder → a folder for PyAutoLens's "
                    "CSV loaders (members expanded) with load_in_autolens.py")
    p.add_argument("folder", type=Path, help=_FOLDER)
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p = _subcommand(sub, "fit", _cmd_fit, "fit a dataset folder; write the results folder (--json: the "
                    "summary; progress and notes go to stderr)")
    p.add_argument("folder", type=Path, help="the dataset folder (a model folder with point_datasets.csv)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the results folder")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.add_argument("--likelihood", default="source",
                   help="source (source-plane, linearised χ²) or image (image-plane χ²); source+time_delay, "
                        "source+flux, source+time_delay+flux add those columns of point_datasets.csv "
                        "(positions alone by default; a column present but not fitted is noted)")
    p.add_argument("--search", choices=("auto", "nautilus", "nuts", "laplace"), default="auto",
                   help="nested sampling over the prior; NUTS chains from the MAP (R̂, ESS reported); "
                   "MAP + importance sampling around it (fastest); auto (the default): chosen for the "
                   "model, the choice printed (README)")
    p.add_argument("--no-plots", action="store_true",
                   help="skip the figures (critical curves, corner plot): tables and report only")
    _add_search_options(p, n_live=300, n_networks=2)
    p = _subcommand(sub, "maps", _cmd_maps, "FITS maps (κ, γ, ψ, α, μ; WCS) of a results folder, with "
                    "posterior ranges, a quick-look PNG and DS9 regions")
    p.add_argument("results", type=Path, help="a results folder (or any model folder)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write the maps into")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.add_argument("--z", type=float, required=True, help="source redshift of the maps")
    p.add_argument("--fov", type=float, default=120.0, help="field of view, arcsec (square)")
    p.add_argument("--pixel", type=float, default=0.1, help="pixel size, arcsec")
    p.add_argument("--samples", type=int, default=0,
                   help="posterior draws from samples.csv for median and 16/84 %% maps (0: best fit only)")
    p.add_argument("--seed", type=int, default=1, help="seed of the posterior draws")
    p = _subcommand(sub, "demo", _cmd_demo, "simulate the embedded example and fit it")
    p.add_argument("-o", "--output", type=Path, default=Path("clusterfit_demo"),
                   help="the folder for dataset/ and results/")
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


def _error_json(e) -> dict:
    """A :class:`~clusterfit.tables.errors.CsvError` as JSON: file, line, column, message, hint."""
    return {"file": e.file, "line": e.line, "column": e.column, "message": e.message, "hint": e.hint}


def _errors_json(exc: Exception) -> list[dict]:
    from .tables.errors import CsvError, CsvErrors

    if isinstance(exc, CsvErrors):
        return [_error_json(e) for e in exc.errors]
    return [_error_json(exc)] if isinstance(exc, CsvError) else []


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    Console(stderr=True, soft_wrap=True).print(f"warning: {message}", highlight=False, markup=False)


if __name__ == "__main__":
    sys.exit(main())
