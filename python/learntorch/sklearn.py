"""scikit-learn estimators around ``lt.fit``: learntorch models in Pipelines, grid searches and
cross-validation.

>>> from learntorch.sklearn import NeuralNetClassifier
>>> clf = NeuralNetClassifier("MLP", module__hidden=(32,), epochs=50, optimizer="adam", lr=0.01)
>>> clf.fit(X, y).predict(X_new)                     # doctest: +SKIP

The constructor only stores its arguments (scikit-learn's rule). ``module`` is one of
learntorch's model names (``"MLP"``, ``"SimpleClassifier"``...), an ``nn.Module`` class, a
function returning a module, or a module instance (copied at each fit). Its arguments are
``module__<name>`` parameters; the input width and the output width are taken from the data at
``fit`` for any argument named as in ``INPUT_WIDTH_ARGS`` / ``OUTPUT_WIDTH_ARGS`` that the user
did not set. ``optimizer__<name>`` goes to the optimizer (``optimizer__momentum=0.9``), and
``fit__<name>`` to ``lt.fit`` for settings without a parameter of their own here. All of them
work with ``get_params``/``set_params``, ``clone`` and ``GridSearchCV``.

scikit-learn is optional (``pip install learntorch[sklearn]``): ``import learntorch`` never
imports it; this module does.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import numbers
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Tuple, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import Tags
    from sklearn.utils.multiclass import check_classification_targets, unique_labels
    from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("learntorch.sklearn needs scikit-learn >= 1.6: pip install 'learntorch[sklearn]'") from exc

from . import fit as lt_fit, load as lt_load, make_optimizer, predict as lt_predict, \
    predict_proba as lt_predict_proba, read_checkpoint, resolve_device, save as lt_save
# The checkpoints' safe class lookup (registry, torch.nn, or modules already imported).
from .architectures import _resolve_class as resolve_class
from .losses import loss_task
from .models import MODEL_CLASSES
from .tasks import get_spec

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor", "EXPECTED_FAILED_CHECKS", "expected_failed_checks",
           "INPUT_WIDTH_ARGS", "OUTPUT_WIDTH_ARGS"]

# Constructor arguments filled from the data when the module takes them and the user left them
# unset: learntorch's own names first, then common spellings of other code.
INPUT_WIDTH_ARGS = ("in_features", "num_inputs", "input_dim", "input_size", "n_features", "num_features",
                    "in_dim", "n_inputs", "input_units")
OUTPUT_WIDTH_ARGS = ("out_features", "num_outputs", "num_classes", "output_dim", "output_size", "n_classes",
                     "out_dim", "n_outputs", "output_units")

# Routed parameters: module__num_hidden -> the module's constructor, and so on.
_PREFIXES = ("module", "optimizer", "fit")

# Checks of sklearn.utils.estimator_checks these estimators are known to fail, with the reason;
# pass `expected_failed_checks` to parametrize_with_checks / check_estimator. Empty: all pass.
EXPECTED_FAILED_CHECKS: Dict[str, Dict[str, str]] = {
    "NeuralNetClassifier": {},
    "NeuralNetRegressor": {},
}

# Estimator attributes a checkpoint keeps beside the module, to rebuild a fitted estimator.
_FITTED_STATE = ("n_features_in_", "n_outputs_", "n_iter_")
_CHECKPOINT_KEY = "learntorch_estimator"


def expected_failed_checks(estimator: BaseEstimator) -> Dict[str, str]:
    """The checks ``estimator`` is known to fail, {check name: reason} (for parametrize_with_checks)."""
    return dict(EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))


# --- building the module ------------------------------------------------------------------------

def _factory(module: Any) -> Callable[..., nn.Module]:
    """What builds the module: a learntorch model name, a class or a function."""
    if isinstance(module, str):
        if module not in MODEL_CLASSES:
            raise ValueError(f"`module` {module!r} is not a learntorch model; use one of "
                             f"{sorted(MODEL_CLASSES)}, an nn.Module class, a function or a module")
        return MODEL_CLASSES[module]
    if callable(module):
        return module
    raise TypeError(f"`module` must be a learntorch model name, an nn.Module class, a function returning "
                    f"a module, or a module; got {type(module).__name__}")


def _accepted(factory: Callable) -> Optional[set]:
    """Keyword names ``factory`` accepts; None when it takes ``**kwargs`` or cannot be inspected."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _width_args(factory: Callable, n_features: int, width: int, given: Dict[str, Any]) -> Dict[str, Any]:
    """The first input-width and output-width argument ``factory`` takes, unless ``given``."""
    accepted = _accepted(factory) or set()
    args: Dict[str, Any] = {}
    for names, value in ((INPUT_WIDTH_ARGS, n_features), (OUTPUT_WIDTH_ARGS, width)):
        found = [n for n in names if n in accepted]
        if found and not any(n in given for n in found):
            args[found[0]] = value
    return args


def build_module(module: Any, n_features: int, width: int, params: Dict[str, Any]) -> nn.Module:
    """The module for ``n_features`` inputs and ``width`` outputs, with the user's ``params``.

    An instance is deep-copied (each fit starts from its weights); a name, class or function is
    called with ``params`` plus the widths it takes (see ``INPUT_WIDTH_ARGS``).
    """
    if isinstance(module, nn.Module):
        if params:
            raise ValueError(f"module__ parameters {sorted(params)} need a module class, name or function; "
                             f"`module` is an instance already built")
        return copy.deepcopy(module)
    factory = _factory(module)
    args = {**_width_args(factory, n_features, width, params), **params}
    try:
        built = factory(**args)
    except TypeError as exc:
        raise TypeError(f"building `module` {getattr(factory, '__name__', factory)!r} with "
                        f"{args}: {exc} (set its arguments as module__<name>)") from exc
    if not isinstance(built, nn.Module):
        raise TypeError(f"`module` must build a torch.nn.Module, got {type(built).__name__}")
    return built


def _module_reference(module: Any) -> Optional[Dict[str, str]]:
    """How a checkpoint names ``module``: a learntorch model name, or a class's import path."""
    if isinstance(module, str):
        return {"name": module}
    if isinstance(module, type) and issubclass(module, nn.Module):
        return {"module": module.__module__, "qualname": module.__qualname__}
    return None  # a function or an instance: the file's own record rebuilds the module


def _module_from_reference(reference: Any) -> Any:
    """The module name or class a checkpoint names (a class only from an already imported module,
    looked up as lt.load does: learntorch never imports what a file names)."""
    if not isinstance(reference, dict):
        return None
    if "name" in reference:
        return reference["name"]
    try:
        return resolve_class(reference.get("module"), reference.get("qualname"))
    except ValueError as exc:
        raise ValueError(f"cannot rebuild the estimator's module: {exc}") from None


# --- small helpers --------------------------------------------------------------------------------

@contextlib.contextmanager
def _seeded(seed: Optional[int], device: torch.device) -> Iterator[None]:
    """Seed torch's generator for the block (initial weights, dropout) and restore it after,
    so a fit with ``random_state`` neither depends on nor disturbs the caller's random state."""
    if seed is None:
        yield
        return
    devices = [device.index if device.index is not None else torch.cuda.current_device()] \
        if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _plain_labels(classes: np.ndarray) -> Optional[list]:
    """``classes`` as str/int/float/bool (what a checkpoint's spec holds), or None."""
    labels = [c.item() if isinstance(c, np.generic) else c for c in classes]
    return labels if all(type(c) in (str, int, float, bool) for c in labels) else None


def _plain(value: Any) -> bool:
    """Whether a checkpoint can hold ``value`` (plain values, lists, tuples, str-keyed dicts)."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    if isinstance(value, np.generic):
        return _plain(value.item())
    if type(value) in (list, tuple):
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def _history_frame(history: Any, offset: int) -> pd.DataFrame:
    frame = history.to_frame()
    frame["epoch"] = frame["epoch"] + offset
    return frame


# --- the estimators -------------------------------------------------------------------------------

class _NeuralNet(BaseEstimator):
    """What the classifier and the regressor share: parameters, module, training, checkpoints."""

    def __init__(
        self,
        module: Any = "MLP",
        *,
        epochs: int = 100,
        batch_size: int = 128,
        optimizer: Any = "sgd",
        lr: Optional[float] = None,
        weight_decay: float = 0.0,
        loss: Any = None,
        metrics: Any = None,
        valid_fraction: Optional[float] = None,
        callbacks: Any = None,
        device: Any = "auto",
        random_state: Any = None,
        warm_start: bool = False,
        # Silent, as scikit-learn estimators are (verbose=0): lt.fit's "auto" would draw one bar
        # per fit of a grid search. Everything else defaults as in lt.fit.
        progress: Union[bool, str] = False,
        shuffle: bool = True,
        num_threads: Union[int, str, None] = "auto",
        output: Union[int, str, None] = None,
        **kwargs: Any,
    ) -> None:
        self.module = module
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.metrics = metrics
        self.valid_fraction = valid_fraction
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.warm_start = warm_start
        self.progress = progress
        self.shuffle = shuffle
        self.num_threads = num_threads
        self.output = output
        # Private: scikit-learn allows only parameters and private names to be set in __init__,
        # and checks names at fit, not here (see _check_routed).
        self._routed_params: Dict[str, Any] = dict(kwargs)

    # -- parameters (module__*, optimizer__*, fit__* beside the named ones) --

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        params = super().get_params(deep=deep)
        params.update(self._routed_params)
        return params

    def set_params(self, **params: Any) -> "_NeuralNet":
        named = set(self._get_param_names())
        routed = {k: v for k, v in params.items() if k not in named}
        for key in routed:
            if not (_is_routed(key) or key in self._routed_params):
                raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}: valid "
                                 f"parameters are {sorted(named)} and module__*, optimizer__*, fit__*")
        self._routed_params = {**self._routed_params, **routed}
        super().set_params(**{k: v for k, v in params.items() if k in named})
        return self

    def _routed(self, prefix: str) -> Dict[str, Any]:
        head = prefix + "__"
        return {k[len(head):]: v for k, v in self._routed_params.items() if k.startswith(head)}

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    # -- fitting --

    def fit(self, X: Any, y: Any) -> "_NeuralNet":
        """Train a new module on (X, y) for ``epochs`` epochs (with ``warm_start``, go on
        training the current one); returns self."""
        if self.warm_start and self.__sklearn_is_fitted__():
            return self._continue(X, y)
        return self._start(X, y)

    def partial_fit(self, X: Any, y: Any) -> "_NeuralNet":
        """Train ``epochs`` more epochs on (X, y), from the current weights and optimizer state
        (the first call starts a module). Set ``epochs=1`` for one pass per call."""
        return self._continue(X, y) if self.__sklearn_is_fitted__() else self._start(X, y)

    def _start(self, X: Any, y: Any, **target_options: Any) -> "_NeuralNet":
        _check_routed(self._routed_params, type(self).__name__)
        X, y = self._validate(X, y, reset=True)
        targets = self._targets(y, reset=True, **target_options)
        self._seed_ = self._draw_seed()
        with _seeded(self._seed_, resolve_device(self.device)):  # initial weights, then training
            self._initialize(X)
            return self._train(X, targets)

    def _continue(self, X: Any, y: Any) -> "_NeuralNet":
        X, y = self._validate(X, y, reset=False)
        targets = self._targets(y, reset=False)
        with _seeded(self._seed_, resolve_device(self.device)):
            return self._train(X, targets)

    def _initialize(self, X: np.ndarray) -> None:
        """A fresh module and optimizer for this data; forget the previous fit's history."""
        for name in ("module_", "optimizer_", "history_", "callbacks_", "n_iter_"):
            self.__dict__.pop(name, None)
        # Fixed with the module: a later set_params(loss=...) cannot change its output width.
        self._task_, self._width_ = self._task_width()
        module = build_module(self.module, X.shape[1], self._width_, self._routed("module"))
        self.module_ = module
        self.optimizer_ = make_optimizer(module, self.optimizer, self.lr, self.weight_decay,
                                         **self._routed("optimizer"))
        self.callbacks_ = [copy.deepcopy(cb) for cb in (self.callbacks or ())]
        self.n_iter_ = 0

    def _draw_seed(self) -> Optional[int]:
        """``random_state`` as torch's seed: an int is used as it is (so ``random_state=42``
        matches ``torch.manual_seed(42)`` and ``lt.fit(seed=42)``); a RandomState draws one."""
        state = self.random_state
        if state is None:
            return None
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            return int(state)
        return int(check_random_state(state).randint(np.iinfo(np.int32).max))

    def _fit_settings(self) -> Dict[str, Any]:
        """Keyword arguments for ``lt.fit``: the stored settings, newer ones only when set."""
        settings = dict(epochs=self.epochs, batch_size=self.batch_size, loss=self.loss,
                        optimizer=self.optimizer_, weight_decay=self.weight_decay, device=self.device,
                        seed=self._seed_, callbacks=self.callbacks_, progress=self.progress,
                        shuffle=self.shuffle, num_threads=self.num_threads, task=self._task_,
                        output=self.output)
        # Forwarded only when set, so this estimator also works with an lt.fit that lacks them.
        settings.update({k: getattr(self, k) for k in ("metrics", "valid_fraction") if getattr(self, k) is not None})
        extra = self._routed("fit")
        clash = sorted(set(extra) & set(settings) | set(extra) & set(self._get_param_names()))
        if clash:
            raise ValueError(f"fit__{clash[0]} repeats the estimator's own parameter {clash[0]!r}: set that instead")
        settings.update(extra)
        _check_fit_accepts(settings)
        return settings

    def _train(self, X: np.ndarray, targets: np.ndarray) -> "_NeuralNet":
        self._before_training()
        history = lt_fit(self.module_, (X, targets), **self._fit_settings())
        frame = _history_frame(history, self.n_iter_)
        self.history_ = frame if not hasattr(self, "history_") else pd.concat([self.history_, frame], ignore_index=True)
        self.n_iter_ += history.epochs
        self._after_training()
        return self

    def _before_training(self) -> None:
        """Hook: make the module's spec what lt.fit expects for this estimator's targets."""

    def _after_training(self) -> None:
        spec = get_spec(self.module_)
        if spec is not None and hasattr(self, "feature_names_in_"):
            spec.feature_names = [str(c) for c in self.feature_names_in_]

    # -- data --

    def _validate(self, X: Any, y: Any, reset: bool) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _validate_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        # float32/float64 pass as they are (lt converts to the module's dtype); others -> float32.
        return validate_data(self, X, reset=False, dtype=[np.float32, np.float64])

    def _targets(self, y: np.ndarray, reset: bool, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def _task_width(self) -> Tuple[str, int]:
        """The task lt.fit trains ("binary", "multiclass", "regression") and the output width."""
        raise NotImplementedError

    # -- checkpoints --

    def save(self, path: Union[str, Path], **metadata: Any) -> Path:
        """Write the fitted estimator in learntorch's safe checkpoint format (``lt.save``): the
        module, and the estimator's parameters and fitted state as metadata. Parameters a
        checkpoint cannot hold (callbacks, loss objects, classes) are listed in the file and
        take their defaults at :meth:`load` unless passed to it."""
        check_is_fitted(self)
        return lt_save(self.module_, path, **{_CHECKPOINT_KEY: self._checkpoint_record()}, **metadata)

    def _checkpoint_record(self) -> Dict[str, Any]:
        params = self.get_params(deep=False)
        stored = {k: v for k, v in params.items() if _plain(v) and k != "module"}
        history = self.history_
        record = dict(estimator=type(self).__name__, params=stored, module=_module_reference(self.module),
                      not_stored=sorted(k for k in params if k not in stored and k != "module"),
                      history={c: history[c].tolist() for c in history.columns},
                      task=self._task_, width=self._width_,
                      **{k: getattr(self, k) for k in _FITTED_STATE if hasattr(self, k)})
        if record["module"] is None:
            record["not_stored"].append("module")
        if hasattr(self, "feature_names_in_"):
            record["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        return record

    @classmethod
    def load(cls, path: Union[str, Path], **params: Any) -> "_NeuralNet":
        """A fitted estimator from a file written by :meth:`save`; ``params`` override the stored
        parameters. The module is rebuilt from ``module`` (a name, or a class this session has
        imported), else from the file's own record; pass ``module=`` when neither can."""
        payload = read_checkpoint(path)
        record = (payload.get("metadata") or {}).get(_CHECKPOINT_KEY)
        if not isinstance(record, dict) or record.get("estimator") != cls.__name__:
            raise ValueError(f"{path} holds no {cls.__name__} (write one with {cls.__name__}.save)")
        lost = [k for k in record.get("not_stored", []) if k not in params]
        if lost:
            warnings.warn(f"{path} could not store the parameters {lost}; they take their defaults "
                          f"(pass them to load to set them)", UserWarning, stacklevel=2)
        given = params.pop("module", None)
        est = cls(**{**record["params"], **params})
        est._restore(record)
        module = est._load_module(path, given, record.get("module"), rebuild=given is not None or not any(
            k.startswith("module__") for k in lost))
        est.module_ = module
        est.optimizer_ = make_optimizer(module, est.optimizer, est.lr, est.weight_decay, **est._routed("optimizer"))
        return est

    def _load_module(self, path: Union[str, Path], given: Any, reference: Any, rebuild: bool) -> nn.Module:
        """The saved module: built from ``given`` or the recorded name/class (when its arguments
        were stored) and filled with the file's weights, else rebuilt from the file's own record."""
        factory, problem = given, ""
        if factory is None and rebuild:
            try:
                factory = _module_from_reference(reference)
            except ValueError as exc:
                problem = f"; {exc}"
        if factory is not None:
            self.module = factory
            return lt_load(path, model=build_module(factory, self.n_features_in_, self._width_,
                                                    self._routed("module")))
        try:
            module = lt_load(path)
        except ValueError as exc:
            raise ValueError(f"{exc}{problem}; with {type(self).__name__}.load pass module=<the class or "
                             f"function>") from None
        self.module = copy.deepcopy(module)  # refitting then starts from these weights
        return module

    def _restore(self, record: Dict[str, Any]) -> None:
        for key in _FITTED_STATE:
            if key in record:
                setattr(self, key, record[key])
        if "feature_names_in_" in record:
            self.feature_names_in_ = np.asarray(record["feature_names_in_"], dtype=object)
        self.history_ = pd.DataFrame(record.get("history") or {"epoch": [], "split": [], "metric": [], "value": []})
        self.callbacks_ = [copy.deepcopy(cb) for cb in (self.callbacks or ())]
        self._seed_ = self._draw_seed()
        # As trained: a loss object that the file could not store decided the width.
        self._task_, self._width_ = record["task"], int(record["width"])


def _is_routed(key: str) -> bool:
    head, sep, rest = key.partition("__")
    return bool(sep and rest) and head in _PREFIXES


def _check_routed(params: Dict[str, Any], owner: str) -> None:
    """At fit (scikit-learn validates there, not in __init__): every extra keyword is routed."""
    for key in params:
        if not _is_routed(key):
            raise TypeError(f"{owner}() got an unexpected keyword argument {key!r} (routed parameters "
                            f"start with {', '.join(p + '__' for p in _PREFIXES)})")


def _check_fit_accepts(settings: Dict[str, Any]) -> None:
    """A clear error when this learntorch's ``lt.fit`` lacks a setting (e.g. before ``metrics``)."""
    params = inspect.signature(lt_fit).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(settings) - set(params))
    if unknown:
        raise TypeError(f"this learntorch's lt.fit does not take {unknown}; unset them (or upgrade learntorch)")


class NeuralNetClassifier(ClassifierMixin, _NeuralNet):
    """A torch classifier trained by ``lt.fit``, as a scikit-learn estimator.

    ``classes_`` keeps the labels as given (strings, integers...), sorted; ``predict`` returns
    them and ``predict_proba`` has one column per class in that order; ``score`` is accuracy.
    Two classes train one output with BCE (two with a cross-entropy ``loss``); more classes
    train one output per class with cross-entropy. The fitted module (``module_``) predicts the
    same labels through ``lt.predict``. See the module docstring for ``module`` and the
    ``module__``/``optimizer__``/``fit__`` parameters; the others are ``lt.fit``'s, with
    ``random_state`` as its ``seed`` (an int also seeds the initial weights).
    """

    def _validate(self, X: Any, y: Any, reset: bool) -> Tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=[np.float32, np.float64])

    def _targets(self, y: np.ndarray, reset: bool, classes: Any = None) -> np.ndarray:
        """Codes 0..K-1 into ``classes_`` (set when ``reset``)."""
        check_classification_targets(y)
        if reset:
            self.classes_ = unique_labels(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"{type(self).__name__} needs at least two classes in y, got 1 class "
                                 f"({self.classes_[0]!r})")
            self.n_outputs_ = 1
        try:
            codes = np.searchsorted(self.classes_, y)
        except TypeError:  # labels of another type than classes_ (strings after numbers...)
            codes = np.full(len(y), len(self.classes_))
        unknown = (codes >= len(self.classes_)) | (self.classes_[np.minimum(codes, len(self.classes_) - 1)] != y)
        if unknown.any():
            bad = y[np.flatnonzero(unknown)[0]]
            bad = bad.item() if isinstance(bad, np.generic) else bad
            raise ValueError(f"the label {bad!r} in y is not one of the classes "
                             f"{self.classes_.tolist()} (pass every class to the first partial_fit as classes=)")
        return codes.astype(np.int64)

    def _task_width(self) -> Tuple[str, int]:
        k = len(self.classes_)
        if k == 2 and not (self.loss is not None and loss_task(self.loss) == "multiclass"):
            return "binary", 1
        return "multiclass", k

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "NeuralNetClassifier":
        """Train ``epochs`` more epochs on (X, y), from the current weights and optimizer state.
        The first call starts a module; give it ``classes`` (every label) when y may lack some.
        Set ``epochs=1`` for one pass per call."""
        if self.__sklearn_is_fitted__():
            return self._continue(X, y)
        return self._start(X, y, classes=classes)

    def _before_training(self) -> None:
        # lt.fit sees codes 0..K-1; the spec names the labels only between fits (see _after_training).
        spec = get_spec(self.module_)
        if spec is not None:
            spec.classes = list(range(len(self.classes_)))

    def _after_training(self) -> None:
        super()._after_training()
        spec = get_spec(self.module_)
        labels = _plain_labels(self.classes_)
        if spec is not None and labels is not None:
            spec.classes = labels  # lt.predict / lt.save on module_ then speak the user's labels

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, K) class probabilities, columns in the order of ``classes_``."""
        X = self._validate_X(X)
        probs = np.asarray(lt_predict_proba(self.module_, X), dtype=np.float64)
        return np.column_stack([1.0 - probs, probs]) if probs.ndim == 1 else probs

    def predict(self, X: Any) -> np.ndarray:
        """The most probable label of ``classes_`` for each row (P > 0.5 for two classes)."""
        codes = self.predict_proba(X).argmax(axis=1)  # checks fitted first, then reads classes_
        return self.classes_[codes]

    def _checkpoint_record(self) -> Dict[str, Any]:
        labels = _plain_labels(self.classes_)
        if labels is None:
            raise TypeError(f"a checkpoint holds labels that are strings, numbers or booleans; classes_ "
                            f"has {sorted({type(c).__name__ for c in self.classes_})}")
        return {**super()._checkpoint_record(), "classes_": labels, "classes_dtype": self.classes_.dtype.str}

    def _restore(self, record: Dict[str, Any]) -> None:
        dtype = record.get("classes_dtype", "|O")
        self.classes_ = np.asarray(record["classes_"], dtype=object if dtype == "|O" else dtype)
        super()._restore(record)


class NeuralNetRegressor(RegressorMixin, _NeuralNet):
    """A torch regressor trained by ``lt.fit``, as a scikit-learn estimator.

    ``y`` may have one column or several (one output each); ``predict`` returns float64 values
    in y's shape; ``score`` is R². Parameters as :class:`NeuralNetClassifier`.
    """

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _validate(self, X: Any, y: Any, reset: bool) -> Tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=[np.float32, np.float64], multi_output=True,
                             y_numeric=True)

    def _targets(self, y: np.ndarray, reset: bool) -> np.ndarray:
        outputs = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self.n_outputs_ = outputs
            self._y_2d = y.ndim == 2
        elif outputs != self.n_outputs_:
            raise ValueError(f"y has {outputs} columns, but {type(self).__name__} was fitted with {self.n_outputs_}")
        return y

    def _task_width(self) -> Tuple[str, int]:
        return "regression", self.n_outputs_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, float64: (N,) for a 1-D y, (N, k) for y with k columns."""
        X = self._validate_X(X)
        values = np.asarray(lt_predict(self.module_, X), dtype=np.float64)
        return values.reshape(len(values), -1) if getattr(self, "_y_2d", False) else values

    def _restore(self, record: Dict[str, Any]) -> None:
        super()._restore(record)
        self._y_2d = bool(record.get("y_2d", False))

    def _checkpoint_record(self) -> Dict[str, Any]:
        return {**super()._checkpoint_record(), "y_2d": bool(getattr(self, "_y_2d", False))}
