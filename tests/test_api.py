"""The flat public namespace: ``import clusterfit as cf`` gives float64 JAX and every name a user types;
the scripts, the README and the guides use only it."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ("load_model", "save_model", "validate_folder", "example_folder", "simulate", "fit", "evaluate",
          "SearchConfig", "compose", "ComposedModel", "FitResult", "PointNoise", "diff_models",
          "with_bookkeeping", "read_manifest", "import_lenstool", "export_lenstool", "TABLE_FILES")


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (this one has imported clusterfit already)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_import_clusterfit_alone_gives_float64_jax():
    out = _run("import clusterfit, jax, jax.numpy as jnp; print(jnp.zeros(1).dtype, jax.config.jax_enable_x64)")
    assert out.split() == ["float64", "True"]


def test_only_the_package_init_sets_x64():
    hits = [p.relative_to(ROOT).as_posix() for p in (ROOT / "src").rglob("*.py")
            if "jax_enable_x64" in p.read_text() and "config.update" in p.read_text()]
    assert hits == ["src/clusterfit/__init__.py"]


def test_the_flat_namespace_names_the_functions_and_from_clusterfit_fit_import_fit_works():
    out = _run(
        "import sys\n"
        "import clusterfit as cf\n"
        f"missing = [n for n in {PUBLIC!r} if not hasattr(cf, n)]\n"
        "assert not missing, missing\n"
        "from clusterfit.fit import SearchConfig, fit\n"
        "from clusterfit.fit.run import fit as run_fit\n"
        "from clusterfit.fit.evaluate import evaluate_model\n"
        "from clusterfit.simulate.simulate import simulate\n"
        "assert fit is run_fit and cf.evaluate is evaluate_model\n"
        "assert cf.fit is sys.modules['clusterfit.fit'] and cf.simulate is sys.modules['clusterfit.simulate']\n"
        "assert callable(cf.fit) and callable(cf.simulate) and simulate.__module__ == 'clusterfit.simulate.simulate'\n"
        "assert cf.SearchConfig is SearchConfig\n"
        "print('ok')\n")
    assert out.strip() == "ok"


def test_fit_and_simulate_stay_callable_after_a_deep_import():
    """Importing ``clusterfit.fit.search`` first sets ``clusterfit.fit`` to the subpackage; it still calls fit."""
    out = _run(
        "import clusterfit.fit.search, clusterfit.simulate.point\n"
        "import clusterfit as cf\n"
        "from unittest import mock\n"
        "with mock.patch('clusterfit.fit.run.fit', return_value='fitted') as f:\n"
        "    assert clusterfit.fit('a', 'b', overwrite=True) == 'fitted'\n"
        "    f.assert_called_once_with('a', 'b', overwrite=True)\n"
        "with mock.patch('clusterfit.simulate.simulate.simulate', return_value='sim'):\n"
        "    assert clusterfit.simulate('a', 'b') == 'sim'\n"
        "cf.SearchConfig, cf.evaluate  # other lazy names change nothing\n"
        "with mock.patch('clusterfit.fit.run.fit', return_value='again'):\n"
        "    assert cf.fit('a', 'b') == 'again'\n"
        "print('ok')\n")
    assert out.strip() == "ok"


def test_deep_imports_still_work_after_using_cf_fit():
    """``cf.fit`` used first, then ``import clusterfit.fit.executors as ex`` (it failed when ``cf.fit`` was
    swapped for the function: 'cannot import name executors from fit')."""
    out = _run(
        "import clusterfit as cf\n"
        "cf.fit, cf.simulate, cf.SearchConfig\n"
        "import clusterfit.fit.executors as ex\n"
        "import clusterfit.simulate.point as point\n"
        "from clusterfit.fit.run import fit\n"
        "assert ex.register and point and fit.__name__ == 'fit'\n"
        "print('ok')\n")
    assert out.strip() == "ok"


def _user_files() -> list[Path]:
    return [*sorted((ROOT / "scripts").rglob("*.py")), ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


DEEP = re.compile(r"^\s*(from\s+clusterfit\.\w|import\s+clusterfit\.\w).*$", re.M)
SYS_PATH = re.compile(r"sys\.path\.(insert|append)|PYTHONPATH=")


def test_scripts_readme_and_guides_use_only_the_top_level_api():
    deep = [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in _user_files()
            for m in DEEP.finditer(p.read_text())]
    hacks = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in _user_files() for m in SYS_PATH.finditer(p.read_text())]
    assert not deep, "deep imports (use `import clusterfit as cf`):\n" + "\n".join(deep)
    assert not hacks, "sys.path changes:\n" + "\n".join(hacks)


def test_the_grep_sees_a_deep_import():
    assert DEEP.search("x = 1\n    from clusterfit.fit.run import fit\n")
    assert not DEEP.search("import clusterfit as cf\nfrom clusterfit import load_model\n")


def test_every_cf_name_the_scripts_and_guides_use_exists():
    import clusterfit as cf

    used = {m.group(1) for p in _user_files() for m in re.finditer(r"\bcf\.(\w+)", p.read_text())}
    assert used, "the scripts use the flat namespace"
    missing = sorted(n for n in used if not hasattr(cf, n))
    assert not missing, f"cf.<name> used in scripts/README/docs but not in the namespace: {missing}"
