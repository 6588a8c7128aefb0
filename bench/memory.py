"""Peak memory of ``lt.fit`` over the data it is given, for tensors, numpy arrays and a DataFrame.

Fits a 784-32-10 MLP for one epoch on 200,000 x 784 float32 inputs (627 MB) with integer labels,
given as an ``(x, y)`` pair of tensors, an ``(x, y)`` pair of numpy arrays, and a DataFrame with a
``label`` column. Each case runs in a fresh subprocess, so one case's freed memory cannot hide
another's peak. The ratio printed is

    (peak resident memory during the fit - resident memory of an idle process that imported
     torch and learntorch) / size of the inputs

so 1.0 means learntorch held nothing beyond the data itself. Goals (issue 14): 1.2x for tensors
and numpy, 1.5x for the DataFrame.

The peak is the kernel's high-water mark (VmHWM in /proc/self/status). It is reset after the data
is made (``/proc/self/clear_refs``), so making the data does not count, only the fit; where the
reset is not allowed the peak includes making the data, and the output says so.

    python bench/memory.py              # the three cases, 200,000 rows
    python bench/memory.py --rows 20000 # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Dict

FEATURES = 784
CLASSES = 10
GOALS = {"tensors": 1.2, "numpy": 1.2, "dataframe": 1.5}


def _status_kb(field: str) -> int:
    """A memory line of /proc/self/status (VmRSS, VmHWM) in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _idle() -> Dict[str, int]:
    """The baseline: a process that imported torch and learntorch and did nothing else; and
    what torch's first optimizer adds (it imports torch._dynamo), which every fit pays."""
    import torch

    import learntorch  # noqa: F401

    idle = {"rss_kb": _status_kb("VmRSS"), "peak_kb": _status_kb("VmHWM")}
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    idle["optimizer_kb"] = _status_kb("VmRSS") - idle["rss_kb"]
    return idle


def _make_data(case: str, rows: int):
    """The training data of ``case`` (made before the peak is reset) and its input bytes."""
    import numpy as np
    import torch

    gen = np.random.default_rng(0)
    x = gen.standard_normal((rows, FEATURES), dtype=np.float32)  # (N, 784), 627 MB at 200,000 rows
    y = gen.integers(0, CLASSES, rows)                            # (N,) int64
    if case == "tensors":
        data = (torch.from_numpy(x), torch.from_numpy(y))
    elif case == "numpy":
        data = (x, y)
    else:
        import pandas as pd

        # copy=False: pandas 3 would otherwise copy the array, and making the data is not measured.
        data = pd.DataFrame(x, columns=[f"p{i}" for i in range(FEATURES)], copy=False)
        data["label"] = y
    return data, x.nbytes


def _run_case(case: str, rows: int) -> Dict[str, object]:
    """Fit one epoch on ``case`` and report the resident memory before and at the peak."""
    import gc

    import torch

    import learntorch as lt

    data, nbytes = _make_data(case, rows)
    gc.collect()
    before = _status_kb("VmRSS")
    reset = _reset_peak()
    lt.seed_everything(0)
    model = lt.MLP(FEATURES, hidden=(32,), out_features=CLASSES)
    kwargs = {"y": "label"} if case == "dataframe" else {}
    lt.fit(model, data, epochs=1, batch_size=128, device="cpu", progress=False, **kwargs)
    return {"case": case, "bytes": nbytes, "rss_before_fit_kb": before, "peak_kb": _status_kb("VmHWM"),
            "peak_reset": reset, "torch": torch.__version__}


def _child(args: list) -> Dict[str, object]:
    """Run this file as a fresh process with ``args``; its last line of output is JSON."""
    done = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--case", choices=[*GOALS, "idle"], help=argparse.SUPPRESS)  # a child's job
    args = parser.parse_args()
    if args.case == "idle":
        print(json.dumps(_idle()))
        return
    if args.case:
        print(json.dumps(_run_case(args.case, args.rows)))
        return
    import numpy as np
    import pandas as pd

    idle = _child(["--case", "idle"])
    print(f"fit, 784-32-10 MLP, 1 epoch, {args.rows:,} x {FEATURES} float32 "
          f"({args.rows * FEATURES * 4 / 1e6:.0f} MB); numpy {np.__version__}, pandas {pd.__version__}")
    print(f"baseline: idle process with torch imported, {idle['peak_kb'] / 1024:.0f} MiB "
          f"(torch's first optimizer then adds {idle['optimizer_kb'] / 1024:.0f} MiB, "
          f"{idle['optimizer_kb'] * 1024 / (args.rows * FEATURES * 4):.2f}x here: its import of torch._dynamo)")
    print(f"{'input':<10} {'peak over baseline':>19} {'ratio':>6} {'goal':>5}")
    for case, goal in GOALS.items():
        result = _child(["--case", case, "--rows", str(args.rows)])
        over = (int(result["peak_kb"]) - idle["peak_kb"]) * 1024
        ratio = over / int(result["bytes"])
        note = "" if result["peak_reset"] else "  (peak includes making the data)"
        verdict = "ok" if ratio <= goal else "OVER"
        print(f"{case:<10} {over / 2**20:>15.0f} MiB {ratio:>5.2f}x {goal:>4.1f}x {verdict}{note}")


if __name__ == "__main__":
    main()
