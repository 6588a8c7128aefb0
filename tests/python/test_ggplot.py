"""learntorch.ggplot: the ggplot2 twins drawn from Python through rpy2.

rpy2 runs R inside the Python process, and R's reticulate, if it ever started Python there,
would crash the process on R's garbage collection. So every drawing runs in a subprocess: a crash
fails the test instead of killing pytest, and the subprocess checks that reticulate never
initialised Python. Skipped only where rpy2 cannot be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

try:  # importing rpy2 itself starts nothing; rpy2.robjects would start R in this process
    import rpy2  # noqa: F401

    HAVE_RPY2 = True
except ImportError:
    HAVE_RPY2 = False

needs_rpy2 = pytest.mark.skipif(not HAVE_RPY2, reason="rpy2 is not installed (pip install learntorch[r])")


def run_child(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON line last. Fails on a crash."""
    env = dict(os.environ)
    env.setdefault("R_LIBS", str(ROOT / ".r-lib"))
    env["MPLBACKEND"] = "Agg"
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, (
        f"the rpy2 subprocess failed (exit {proc.returncode}; a negative code is a crash):\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


CHILD = """
import gc, json, sys
from pathlib import Path

import numpy as np
import learntorch as lt
from learntorch import ggplot
import rpy2.robjects as ro
from rpy2.robjects import pandas2ri
from rpy2.robjects.conversion import localconverter

out_dir = Path(sys.argv[1])
result = {}

def r_data(plot, layer=None):
    # the data R's ggplot holds (the plot's, or a layer's), back as pandas
    get = ro.r("function(p, i) if (is.null(i)) p$data else p$layers[[i]]$data")
    with localconverter(ro.default_converter + pandas2ri.converter):
        return ro.conversion.rpy2py(get(plot, ro.NULL if layer is None else layer))

def same(frame, back):
    return dict(
        columns=list(back.columns) == list(frame.columns),
        rows=len(back) == len(frame),
        values=all(np.array_equal(frame[c].to_numpy(), back[c].to_numpy()) for c in frame.columns)
        if list(back.columns) == list(frame.columns) and len(back) == len(frame) else False,
    )

def png(name):
    path = out_dir / f"{name}.png"
    return path, (lambda: path.stat().st_size if path.exists() else 0)

lt.seed_everything(0)
data = lt.continuous_xor(80, seed=1)
model = lt.SimpleClassifier(2, 4, 1)
history = lt.fit(model, data, valid=lt.continuous_xor(40, seed=2), epochs=3, batch_size=16, lr=0.5,
                 seed=0, progress=False)
grid = lt.decision_grid(model, resolution=25)
confusion = lt.confusion_matrix(model, data)
bench = lt.benchmark_matmul(n=32, device="cpu", repeats=1)

path, size = png("samples")
p = ggplot.ggplot_samples(data, path=str(path))
result["samples"] = dict(same(data.to_frame(), r_data(p)), png=size(),
                         cls=list(ro.r("class")(p)))

path, size = png("boundary")
p = ggplot.ggplot_decision_boundary(grid, data, path=str(path))
result["boundary"] = dict(same(grid, r_data(p)), png=size())
result["boundary_points"] = same(data.to_frame(), r_data(p, 2))

path, size = png("history")
p = ggplot.ggplot_history(history, metric="accuracy", path=str(path))
result["history"] = dict(same(history.to_frame(), r_data(p)), png=size(),
                         title=str(ro.r("function(p) p$labels$title")(p)[0]))

path, size = png("confusion")
p = ggplot.ggplot_confusion(confusion, path=str(path))
result["confusion"] = dict(same(confusion, r_data(p)), png=size())

path, size = png("benchmark")
p = ggplot.ggplot_benchmark(bench, path=str(path))
result["benchmark"] = dict(same(bench, r_data(p)), png=size())

# every task's frames: a multiclass grid of named classes, a regression grid, chosen columns
import pandas as pd
names = ["setosa", "versicolor", "virginica"]
cells = [(a / 9, b / 9) for b in range(10) for a in range(10)]  # x1 varies fastest
multi = pd.DataFrame({"x1": [a for a, _ in cells], "x2": [b for _, b in cells]})
multi["class"] = pd.Categorical([names[min(int(3 * a), 2)] for a, _ in cells], categories=names)
multi["prob"] = [0.5 + 0.5 * b for _, b in cells]
flowers = pd.DataFrame({"x1": [0.1, 0.5, 0.9], "x2": [0.5] * 3,
                        "label": pd.Categorical(names[::-1], categories=names)})
labels_of = ro.r("function(p) ggplot2::ggplot_build(p)$plot$scales$get_scales('fill')$get_labels()")
path, size = png("multiclass")
p = ggplot.ggplot_decision_boundary(multi, flowers, path=str(path))
result["multiclass"] = dict(same(multi, r_data(p)), png=size(), labels=list(labels_of(p)))
result["multiclass_points"] = same(flowers, r_data(p, 2))
regression = multi[["x1", "x2"]].assign(value=multi["x1"] + multi["x2"])
path, size = png("regression")
p = ggplot.ggplot_decision_boundary(regression, flowers[["x1", "x2"]].assign(target=[0.0, 1.0, 2.0]),
                                    path=str(path))
result["regression"] = dict(same(regression, r_data(p)), png=size())
four = flowers.assign(x3=[1.0, 2.0, 3.0], x4=[3.0, 2.0, 1.0])
path, size = png("samples_xy")
p = ggplot.ggplot_samples(four, x="x4", y="x3", path=str(path))
result["samples_xy"] = dict(same(four, r_data(p)), png=size(), labels=list(labels_of(p)),
                            x=str(ro.r("function(p) deparse(p$labels$x)")(p)[0]))
try:
    ggplot.ggplot_samples(four, x="nope")
except ValueError as err:
    result["xy_error"] = str(err)

p = ggplot.ggplot_samples(data.to_frame())  # a frame works as well as a dataset; no file
result["no_path"] = not any(out_dir.glob("*samples*.pdf"))

try:
    ggplot.ggplot_history(history, metric="f1")
except ValueError as err:
    result["r_error"] = str(err)

try:
    ggplot.ggplot_samples(data.to_frame()[["x1"]])
except ValueError as err:
    result["py_error"] = str(err)

result["modules"] = sorted(m for m in ("reticulate", "learntorch", "ggplot2")
                           if m in list(ro.r("loadedNamespaces()")))
del p
ro.r("invisible(gc(full = TRUE))")
gc.collect()
result["reticulate_python"] = bool(ro.r(
    '"reticulate" %in% loadedNamespaces() && reticulate:::is_python_initialized()')[0])
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def child(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ggplot")
    return run_child(CHILD, tmp)


@needs_rpy2
def test_never_initialises_reticulate(child):
    # the R package (which imports reticulate) was loaded, yet Python was never started from R
    assert "learntorch" in child["modules"]
    assert child["reticulate_python"] is False


@needs_rpy2
@pytest.mark.parametrize("figure", ["samples", "boundary", "history", "confusion", "benchmark", "multiclass",
                                    "regression", "samples_xy"])
def test_r_renderer_received_the_python_frame(child, figure):
    got = child[figure]
    assert got["columns"], f"{figure}: R's ggplot data has other columns than the Python frame"
    assert got["rows"], f"{figure}: R's ggplot data has another number of rows"
    assert got["values"], f"{figure}: R's ggplot data differs from the Python frame"
    assert got["png"] > 1000, f"{figure}: no PNG written"


@needs_rpy2
def test_decision_boundary_points_and_results(child):
    assert all(child["boundary_points"].values())
    assert "ggplot" in child["samples"]["cls"]
    assert child["history"]["title"] == "Training accuracy"


@needs_rpy2
def test_errors_come_back_as_value_errors(child):
    assert 'metric` "f1" is not in the history' in child["r_error"]
    assert "accuracy, loss" in child["r_error"]
    assert "`data` lacks the column label (classification) or target" in child["py_error"]
    assert "`x` 'nope' is not a feature column of `data`" in child["xy_error"]


@needs_rpy2
def test_every_task_reaches_r_with_its_class_names(child):
    # categorical classes arrive as factors: R keeps their order for colours and the legend
    assert child["multiclass"]["labels"] == ["setosa", "versicolor", "virginica"]
    assert all(child["multiclass_points"].values())
    assert child["samples_xy"]["labels"] == ["setosa", "versicolor", "virginica"]
    assert child["samples_xy"]["x"] == "italic(x)[4]"


def test_ggplot_is_optional_and_lazy(tmp_path):
    got = run_child("""
        import json, sys
        import learntorch
        eager = "learntorch.ggplot" in sys.modules
        from learntorch import ggplot
        print(json.dumps(dict(eager=eager, rpy2="rpy2" in sys.modules,
                              same=learntorch.ggplot is ggplot)))
    """, tmp_path)
    assert got == dict(eager=False, rpy2=False, same=True)


def test_missing_rpy2_says_how_to_install(tmp_path):
    got = run_child("""
        import json, sys
        sys.modules["rpy2"] = None  # as if rpy2 were not installed
        import learntorch
        from learntorch import ggplot
        try:
            ggplot.ggplot_samples(learntorch.continuous_xor(10, seed=0))
        except ImportError as err:
            print(json.dumps(dict(message=str(err))))
        except Exception as err:
            print(json.dumps(dict(message=f"not an ImportError: {err!r}")))
    """, tmp_path)
    assert "pip install learntorch[r]" in got["message"]
