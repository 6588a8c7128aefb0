"""learntorch.checkpoints: round trips, metadata, refusing pickled payloads, atomic writes."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from torch import nn

import learntorch as lt
from learntorch import checkpoints
from _lt_helpers import assert_same_params, params_of


class Payload:
    """Unpickling this object creates ``marker``: proof that a file ran code while loading."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_round_trip_gives_identical_predictions_and_keeps_metadata(xor_run, tmp_path):
    model, test = xor_run["model"], xor_run["test"]
    path = tmp_path / "xor.pt"
    returned = lt.save(model, path, accuracy=0.995, note="tutorial XOR", epochs=[1, 2], extra={"lr": 0.1})
    assert returned == path and path.exists()
    loaded = lt.load(path)
    assert type(loaded) is lt.SimpleClassifier and loaded is not model
    assert loaded.config == model.config
    assert not loaded.training
    assert_same_params(params_of(model), params_of(loaded))
    assert (lt.predict_proba(loaded, test) == lt.predict_proba(model, test)).all()
    meta = loaded.checkpoint["metadata"]
    assert meta == {"accuracy": 0.995, "note": "tutorial XOR", "epochs": [1, 2], "extra": {"lr": 0.1}}
    versions = loaded.checkpoint["versions"]
    assert versions["torch"] == str(torch.__version__) and versions["learntorch"] == lt.__version__
    assert "python" in versions
    raw = lt.read_checkpoint(path)
    assert raw["class"] == "SimpleClassifier" and raw["config"] == model.config
    assert _files(tmp_path) == ["xor.pt"]  # no temporary files left behind


@pytest.mark.parametrize("model, x", [
    (lt.LinearRegression(3, 2), torch.randn(4, 3)),
    (lt.LogisticRegression(3), torch.randn(4, 3)),
    (lt.MLP(3, hidden=(5, 7), out_features=2, activation="gelu"), torch.randn(4, 3)),
    (lt.SoftmaxRegression(6, 3), torch.randn(4, 6)),
    (lt.ConvNet(1, 3, image_size=8, width=4), torch.randn(4, 1, 8, 8)),
], ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "")
def test_every_model_class_round_trips(model, x, tmp_path):
    model.eval()
    lt.save(model, tmp_path / "m.pt")
    loaded = lt.load(str(tmp_path / "m.pt"))  # a str path works too
    assert type(loaded) is type(model) and loaded.config == model.config
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_registered_custom_model_round_trips(tmp_path):
    @lt.register_model
    class Doubler(nn.Module):
        def __init__(self, width: int):
            super().__init__()
            self.config = dict(width=width)
            self.linear = nn.Linear(width, width)

        def forward(self, x):
            return 2 * self.linear(x)

    model = Doubler(3)
    lt.save(model, tmp_path / "d.pt")
    loaded = lt.load(tmp_path / "d.pt")
    assert type(loaded) is Doubler
    x = torch.randn(2, 3)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_save_overwrites_an_existing_checkpoint(tmp_path):
    path = tmp_path / "m.pt"
    lt.save(lt.LinearRegression(2), path, version=1)
    lt.save(lt.LinearRegression(2), path, version=2)
    assert lt.load(path).checkpoint["metadata"]["version"] == 2
    assert _files(tmp_path) == ["m.pt"]


# --- refusing what cannot be trusted ----------------------------------------------------------

def test_the_payload_really_runs_code_when_unpickled_unsafely(tmp_path):
    """Check the test's weapon: without weights_only the payload writes its marker."""
    marker = tmp_path / "ran"
    torch.save({"x": Payload(marker)}, tmp_path / "evil.pt")
    torch.load(tmp_path / "evil.pt", weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_a_checkpoint_carrying_a_pickled_payload_is_refused_and_runs_no_code(tmp_path, writer):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    # a learntorch-looking checkpoint with one pickled object hidden in the metadata
    good = lt.read_checkpoint(lt.save(lt.SimpleClassifier(2, 4, 1), tmp_path / "good.pt"))
    good["metadata"] = {"trap": Payload(marker)}
    if writer == "torch.save":
        torch.save(good, path)
    else:
        with open(path, "wb") as handle:
            pickle.dump(good, handle)
    with pytest.raises(ValueError, match="refused|not a readable|not a learntorch") as info:
        lt.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists(), "loading ran the file's code"
    with pytest.raises(ValueError):
        lt.read_checkpoint(path)
    assert not marker.exists()


def test_a_torch_pickle_is_refused_as_carrying_pickled_objects(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"x": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="pickled"):
        lt.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_a_missing_checkpoint_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="`path`.*nope.pt"):
        lt.load(tmp_path / "nope.pt")
    with pytest.raises(FileNotFoundError):
        lt.read_checkpoint(tmp_path / "nope.pt")
    assert _files(tmp_path) == []


@pytest.mark.parametrize("content", [
    b"",
    b"hello, this is not a checkpoint\n",
    bytes(range(256)) * 4,
    "truncated",
    "flipped",
], ids=["empty", "text", "binary", "truncated", "flipped-bytes"])
def test_a_corrupt_or_truncated_checkpoint_gives_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.pt"
    if isinstance(content, str):
        lt.save(lt.SimpleClassifier(2, 4, 1), path)
        data = path.read_bytes()
        if content == "truncated":
            data = data[: len(data) // 2]
        else:
            middle = len(data) // 2
            data = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
        path.write_bytes(data)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=r"corrupt|truncated|not a readable|not a learntorch") as info:
        lt.load(path)
    message = str(info.value)
    assert str(path) in message
    assert "pickled Python objects" not in message, "a damaged file is not a malicious one"


def test_a_torch_file_that_is_not_a_learntorch_checkpoint(tmp_path):
    torch.save({"weight": torch.zeros(2)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="not a learntorch checkpoint"):
        lt.load(tmp_path / "plain.pt")
    model = lt.SimpleClassifier(2, 4, 1)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    with pytest.raises(ValueError, match="not a learntorch checkpoint"):
        lt.load(tmp_path / "sd.pt")


def test_a_newer_format_and_an_unknown_class_are_refused(tmp_path):
    path = lt.save(lt.SimpleClassifier(2, 4, 1), tmp_path / "m.pt")
    payload = lt.read_checkpoint(path)
    payload["format_version"] = checkpoints.FORMAT_VERSION + 1
    torch.save(payload, tmp_path / "newer.pt")
    with pytest.raises(ValueError, match="newer"):
        lt.load(tmp_path / "newer.pt")
    payload["format_version"] = checkpoints.FORMAT_VERSION
    payload["class"] = "NoSuchNet"
    torch.save(payload, tmp_path / "unknown.pt")
    with pytest.raises(ValueError, match="NoSuchNet.*register_model"):
        lt.load(tmp_path / "unknown.pt")


def test_a_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(IsADirectoryError):
        lt.load(tmp_path)
    with pytest.raises(IsADirectoryError):
        lt.save(lt.SimpleClassifier(2, 4, 1), tmp_path)


# --- bad input writes nothing ------------------------------------------------------------------

@pytest.mark.parametrize("call, error, pattern", [
    (lambda p: lt.save(nn.Linear(2, 1), p / "m.pt"), TypeError, "register_model"),
    (lambda p: lt.save("model", p / "m.pt"), TypeError, "`model`"),
    (lambda p: lt.save(lt.SimpleClassifier(2, 4, 1), p / "m.pt", when=object()), TypeError, "`when`"),
    (lambda p: lt.save(lt.SimpleClassifier(2, 4, 1), p / "m.pt", t=torch.zeros(2)), TypeError, "`t`"),
    (lambda p: lt.save(lt.SimpleClassifier(2, 4, 1), p / "m.pt", d={1: "a"}), TypeError, "`d`"),
    (lambda p: lt.save(lt.SimpleClassifier(2, 4, 1), p / "no" / "such" / "m.pt"), FileNotFoundError, "`path`"),
])
def test_save_rejects_bad_input_and_writes_nothing(tmp_path, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(tmp_path)
    assert _files(tmp_path) == []


def test_load_on_a_missing_device_raises(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("needs a machine without a GPU")
    path = lt.save(lt.SimpleClassifier(2, 4, 1), tmp_path / "m.pt")
    with pytest.raises(ValueError, match="`device`"):
        lt.load(path, device="cuda")
    assert lt.load(path, device="cpu").linear1.weight.device.type == "cpu"


# --- atomic writes ---------------------------------------------------------------------------

def _failing_save(exc):
    real = torch.save

    def save(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")  # some bytes reach the file first
        f.flush()
        raise exc

    return save, real


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()], ids=["OSError", "KeyboardInterrupt"])
def test_a_failed_save_leaves_no_file_and_no_temporary_file(tmp_path, monkeypatch, exc):
    failing, _ = _failing_save(exc)
    monkeypatch.setattr(torch, "save", failing)
    with pytest.raises(type(exc)):
        lt.save(lt.SimpleClassifier(2, 4, 1), tmp_path / "m.pt")
    assert _files(tmp_path) == []


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()], ids=["OSError", "KeyboardInterrupt"])
def test_a_failed_save_leaves_the_existing_checkpoint_untouched(tmp_path, monkeypatch, exc):
    path = tmp_path / "m.pt"
    original = lt.SimpleClassifier(2, 4, 1)
    lt.save(original, path, version=1)
    before = path.read_bytes()
    stat = os.stat(path)
    failing, _ = _failing_save(exc)
    monkeypatch.setattr(torch, "save", failing)
    with pytest.raises(type(exc)):
        lt.save(lt.SimpleClassifier(2, 4, 1), path, version=2)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.stat(path).st_ino == stat.st_ino
    assert _files(tmp_path) == ["m.pt"]
    loaded = lt.load(path)
    assert loaded.checkpoint["metadata"] == {"version": 1}
    assert_same_params(params_of(original), params_of(loaded))
