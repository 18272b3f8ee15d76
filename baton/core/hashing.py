"""Canonical JSON and hash-chain helpers used by the audit trail."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(previous: str, payload: Any) -> str:
    """SHA-256 over the previous link and the canonical payload."""
    return hashlib.sha256((previous + canonical_json(payload)).encode("utf-8")).hexdigest()
