"""The public face: flat names, docstrings, type hints and the layering of the modules."""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from pathlib import Path

import pytest

import learntorch as lt

CORE_MODULES = ["labels", "data", "adapters", "tasks", "models", "losses", "training", "evaluation", "checkpoints",
                "devices", "plotting"]
LEAF_MODULES = ["labels", "suggest", "arrays", "models", "losses", "devices", "plotting"]
PUBLIC = [name for name in lt.__all__ if name != "__version__"]


def test_version():
    assert isinstance(lt.__version__, str) and lt.__version__.count(".") >= 1


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_exists_and_has_a_docstring(name):
    obj = getattr(lt, name)
    doc = obj.__doc__ if isinstance(obj, (types.ModuleType, type)) or callable(obj) else None
    assert doc and doc.strip(), f"learntorch.{name} has no docstring"


@pytest.mark.parametrize("name", [n for n in PUBLIC if not isinstance(getattr(lt, n), types.ModuleType)])
def test_every_flat_name_is_also_importable_from_its_module(name):
    obj = getattr(lt, name)
    module = importlib.import_module(obj.__module__)
    assert module.__name__.startswith("learntorch.")
    assert getattr(module, name) is obj
    assert name in getattr(module, "__all__", [name])


def test_the_names_the_issue_promises():
    for name in ["continuous_xor", "two_moons", "linear_regression_data", "crop_yields", "train_val_split",
                 "SimpleClassifier", "LinearRegression", "LogisticRegression", "MLP", "fit", "History",
                 "EarlyStopping", "KeepBestWeights", "evaluate", "predict", "predict_proba", "decision_grid",
                 "save", "load", "default_device", "device_info", "seed_everything", "benchmark_matmul",
                 "plot_samples", "plot_decision_boundary", "plot_history"]:
        assert name in lt.__all__ and hasattr(lt, name), name
    for name in ["bernoulli_nll_manual", "bernoulli_nll_distribution", "bernoulli_nll_bce", "mse", "cross_entropy"]:
        assert callable(getattr(lt.losses, name))


def _public_callables():
    """Functions, constructors and public methods of the core modules' public names."""
    for name in PUBLIC:
        obj = getattr(lt, name)
        if getattr(obj, "__module__", "").split(".")[-1] not in CORE_MODULES:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            if inspect.isfunction(obj.__init__):  # not a builtin's (*args, **kwargs)
                yield f"{name}.__init__", obj.__init__
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("name, fn", list(_public_callables()), ids=lambda v: v if isinstance(v, str) else "")
def test_public_functions_have_type_hints(name, fn):
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}: parameters without type hints: {missing}"
    if not name.endswith("__init__"):
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type hint"


def _package_imports(module_name):
    source = Path(importlib.import_module(f"learntorch.{module_name}").__file__).read_text()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("learntorch")):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("learntorch"))
    return found


@pytest.mark.parametrize("module", LEAF_MODULES)
def test_leaf_modules_import_only_other_leaves(module):
    # A leaf may ask another leaf (suggest.py's near-miss hints), never a core module.
    assert {name.split(".")[-1] for name in _package_imports(module)} <= set(LEAF_MODULES)


def test_no_import_cycles_among_the_core_modules():
    graph = {m: {i.split(".")[-1] for i in _package_imports(m)} & set(CORE_MODULES) for m in CORE_MODULES}

    def visit(node, path):
        assert node not in path, f"import cycle: {' -> '.join(path + [node])}"
        for nxt in graph[node]:
            visit(nxt, path + [node])

    for m in CORE_MODULES:
        visit(m, [])


def test_public_errors_are_the_documented_types():
    assert issubclass(lt.TrainingDiverged, ValueError)
    assert issubclass(lt.EarlyStopping, lt.Callback) and issubclass(lt.KeepBestWeights, lt.Callback)
