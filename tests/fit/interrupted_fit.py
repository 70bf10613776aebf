"""Child process for test_fit_output.py: ``clusterfit fit`` with a pause point, to be signalled by the test.

    python interrupted_fit.py POINT READY_FILE EVALUATION_PICKLE -- FIT ARGUMENTS...

POINT: ``search`` (the third likelihood batch), ``training`` (inside scikit-learn's MLP training, which
swallows KeyboardInterrupt), ``write`` (after the first results files are staged), ``plot`` (at the critical-curve
figure, after the corner plot's stand-in), or ``none``. At the point the child writes READY_FILE and sleeps
until signalled. Except at ``search``/``training`` the search is replaced by 300 points around the table
values, the evaluation of the best fit by the pickled one the test computed once, the derived quantities by
one fixed value and the three figures by stand-in files (this run is about the writing of the results
folder, not their contents, which tests/fit/test_fit.py, test_plots.py and tests/products check; each real
figure or derived quantity would cost the child tens of seconds).
Exit status: that of ``clusterfit.cli.main``.
"""

import pickle
import sys
import time
from pathlib import Path

import numpy as np

point, ready, evaluation = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
argv = sys.argv[sys.argv.index("--") + 1:]


def pause() -> None:
    ready.write_text(point)
    while True:
        time.sleep(0.02)


import clusterfit.fit.plots as plots  # noqa: E402
import clusterfit.fit.results as results  # noqa: E402
import clusterfit.fit.run as run  # noqa: E402
import clusterfit.products.derived as derived  # noqa: E402
from clusterfit.cli import main  # noqa: E402
from clusterfit.fit.search import SearchResult  # noqa: E402
from clusterfit.products.derived import Quantity  # noqa: E402

if point == "search":
    make = run._log_likelihood

    def counted(*args):
        f, calls = make(*args), []

        def log_l(thetas):
            calls.append(1)
            if len(calls) == 3:  # 1: compile; 2, 3: nautilus's first batches
                pause()
            return f(thetas)
        return log_l
    run._log_likelihood = counted
elif point == "training":
    from sklearn.neural_network import MLPRegressor

    backprop = MLPRegressor._backprop

    def paused_backprop(self, *args, **kwargs):
        if not ready.exists():
            pause()
        return backprop(self, *args, **kwargs)
    MLPRegressor._backprop = paused_backprop
else:
    def quick_search(dataset_folder, composed, likelihood, search, config, console, plots):
        truths = composed.vector_from_tables()
        points = truths + 0.01 * np.random.default_rng(1).normal(size=(300, len(truths)))
        result = SearchResult(composed.priors.names, points, np.full(300, -np.log(300)), np.zeros(300), 0.0,
                              300, 0.0, truths, truths)
        return result, truths, 0.0
    run._search = quick_search
    run.evaluate_model = lambda *args, **kwargs: pickle.loads(evaluation.read_bytes())
    run._derived = lambda *args: [Quantity("einstein_radius.z=2", "arcsec", 30.0, 30.0, 29.0, 31.0)]

    def stand_in(*args, **kwargs):
        path = next(a for a in (*args, *kwargs.values()) if isinstance(a, Path))
        path.write_bytes(b"png")
        return path

    class StandInCorner:  # the corner-plot process
        def draw(self, *args, **kwargs):
            stand_in(*args, **kwargs)

        def wait(self):
            pass

        def stop(self):
            pass
    plots.plot_critical_curves = derived.plot_mass_profile = stand_in
    run.CornerProcess = StandInCorner
    if point == "write":
        write = results.write_files_atomic

        def paused_write(folder, contents, remove=()):
            names = sorted(contents)
            write(folder, {n: contents[n] for n in names[:3]})
            pause()
        results.write_files_atomic = paused_write
    elif point == "plot":
        def paused_figure(*args, **kwargs):
            pause()
        plots.plot_critical_curves = paused_figure

sys.exit(main(argv))
