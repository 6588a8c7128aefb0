"""Near-miss suggestions for names a user mistyped: ``adamm`` -> ``adam``, ``val_loss`` ->
``valid_loss``. A leaf module: every error that refuses a name from a known set asks it, so
Python and R users (whose errors are Python's) read the same hint.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Optional

__all__ = ["closest", "did_you_mean"]

# Spellings other libraries use, mapped to learntorch's (Keras writes val_loss, PyTorch
# Lightning val_loss too).
_ALIASES = {"val": "valid", "validation": "valid", "training": "train"}


def closest(value: Any, choices: Iterable[str]) -> Optional[str]:
    """The choice ``value`` most likely meant, or None when none is close."""
    if not isinstance(value, str):
        return None
    choices = [c for c in choices if isinstance(c, str)]
    lowered = value.lower()
    for choice in choices:  # a case slip: "Adam"
        if choice.lower() == lowered:
            return choice
    prefix, sep, rest = lowered.partition("_")
    if sep and prefix in _ALIASES:  # val_loss -> valid_loss
        renamed = f"{_ALIASES[prefix]}_{rest}"
        if renamed in choices:
            return renamed
    found = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(value: Any, choices: Iterable[str]) -> str:
    """``" Did you mean 'adam'?"`` for a near miss, else ``""``: the end of an error message."""
    found = closest(value, choices)
    return f" Did you mean {found!r}?" if found is not None else ""
