"""``clusterfit`` commands that compute: simulate, evaluate, fit, demo, maps (the parser is
:mod:`clusterfit.cli`)."""

from __future__ import annotations

import argparse

from rich.console import Console

from .cli_output import escape, print_json, print_written

__all__ = ["cmd_simulate", "cmd_evaluate", "cmd_fit", "cmd_demo", "cmd_maps", "DEMO_MAPS"]

DEMO_MAPS = {"z": 2.0, "fov": 60.0, "pixel": 0.2}  # the demo's maps: source redshift, field and pixel (arcsec)


def cmd_simulate(args: argparse.Namespace, console: Console) -> int:
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
    print_written(console, out, "simulate", notes, args.json)
    return 0

def cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
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

def _search_config(args: argparse.Namespace):
    from .fit.search import SearchConfig

    return SearchConfig(n_live=args.n_live, seed=args.seed, n_eff=args.n_eff, n_networks=args.n_networks,
                        checkpoint=args.checkpoint, pool=args.pool, n_starts=args.n_starts,
                        n_samples=args.n_samples, n_chains=args.chains, n_warmup=args.warmup,
                        n_draws=args.draws, target_accept=args.target_accept)

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
        "likelihood": result.likelihood, "search": result.search_method,
        "log_evidence": result.search.log_z, "n_likelihood": result.search.n_like,
        "wall_s": result.search.wall_s, "output": str(result.folder),
        "files": {name: str(path) for name, path in sorted(result.files.items())}, "notes": notes,
    }

def cmd_fit(args: argparse.Namespace, console: Console) -> int:
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

def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from .examples import example_folder
    from .fit.run import fit
    from .output import OutputError
    from .products.maps import make_maps
    from .simulate import simulate

    out = args.output
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; give a folder path for the demo (-o)")
    if not args.overwrite and any((out / d).exists() for d in ("dataset", "results", "maps")):
        raise OutputError(f"{out} holds an earlier demo; pass --overwrite to replace its files, or -o another "
                          "folder")
    console.rule("clusterfit demo")
    console.print(f"1. simulate the embedded example ({example_folder()}) into {out / 'dataset'}",
                  highlight=False, markup=False)
    with console.status("solving the images of 3 sources behind a 33-galaxy cluster ..."):
        simulate(example_folder(), out / "dataset", seed=args.seed, overwrite=args.overwrite)
    console.print(f"2. fit it (source-plane likelihood, nautilus) into {out / 'results'}", highlight=False, markup=False)
    result = fit(out / "dataset", out / "results", likelihood="source", config=_search_config(args), console=console,
                 overwrite=args.overwrite)
    console.print(f"3. maps of the best fit at z = {DEMO_MAPS['z']:g} ({DEMO_MAPS['fov']:g}″ field, "
                  f"{DEMO_MAPS['pixel']:g}″ pixels) into {out / 'maps'}", highlight=False, markup=False)
    with console.status("κ, γ, ψ, α, μ maps, critical curves and DS9 regions ..."):
        maps = make_maps(out / "results", out / "maps", overwrite=args.overwrite, **DEMO_MAPS)
    if args.json:
        print_json({"dataset": str(out / "dataset"), **_fit_json(result, []),
                    "maps": {"output": str(out / "maps"), "files": [p.name for p in maps]}})
        return 0
    _print_fit(result, console, truths=True)
    console.print("plots: " + ", ".join(str(p) for n, p in sorted(result.files.items()) if n.endswith(".png")),
                  highlight=False, markup=False)
    console.print(f"maps: {out / 'maps'}/ (" + ", ".join(p.name for p in maps if not p.name.startswith("gamma"))
                  + ", ...; docs/products.md)", highlight=False, markup=False)
    console.print(f"Next: edit a CSV in {out / 'dataset'} (e.g. a sigma in mass.csv), then "
                  f"`clusterfit simulate {out / 'dataset'} -o {out / 'dataset'} --overwrite` and "
                  f"`clusterfit fit {out / 'dataset'} -o {out / 'results'} --overwrite` again.",
                  highlight=False, markup=False)
    return 0

def cmd_maps(args: argparse.Namespace, console: Console) -> int:
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
