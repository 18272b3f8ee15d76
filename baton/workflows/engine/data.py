"""What may go into an instance's routing data.

Task data is serialized with the instance and read back by Spiff's registry, which
revives any dict carrying a ``typename`` key as an object (a crafted
``{"typename": "BpmnWorkflow"}`` made an instance impossible to load). Routing data is
also what CEL sees. So we accept only plain JSON values with simple variable names,
and copy them, so the caller's objects never end up inside the engine.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import EngineError

KEY_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
MAX_DATA_BYTES = 64 * 1024
_MAX_DEPTH = 16
_INT64 = 2**63


def clean_data(data: Mapping[str, Any], what: str = "data") -> dict[str, Any]:
    """Return a plain JSON copy of ``data`` or raise :class:`EngineError` saying what is wrong."""
    if not isinstance(data, Mapping):
        raise EngineError(f"The {what} must be a mapping of names to values.")
    for key, value in data.items():
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise EngineError(
                f"The {what} has an invalid name {key!r}: use lowercase letters, digits and _ "
                "(starting with a letter or _), at most 64 characters."
            )
        if key == "typename":
            raise EngineError(f"The {what} may not use the reserved name 'typename'.")
        _check_value(value, key, what, 0)
    encoded = json.dumps(dict(data), allow_nan=False, ensure_ascii=False)
    if len(encoded.encode("utf-8")) > MAX_DATA_BYTES:
        raise EngineError(f"The {what} is larger than {MAX_DATA_BYTES // 1024} KiB.")
    result: dict[str, Any] = json.loads(encoded)
    return result


def _check_value(value: Any, path: str, what: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise EngineError(f"The {what} is nested too deeply at {path!r}.")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise EngineError(f"The {what} has a number too large at {path!r}.")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EngineError(f"The {what} has a number that is not finite at {path!r}.")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]", what, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EngineError(f"The {what} has a non-text key at {path!r}.")
            if key == "typename":
                raise EngineError(f"The {what} may not use the reserved name 'typename' (at {path!r}).")
            _check_value(item, f"{path}.{key}", what, depth + 1)
        return
    raise EngineError(
        f"The {what} has a value of type {type(value).__name__} at {path!r}; "
        "only text, numbers, true/false, null, lists and objects are allowed."
    )
