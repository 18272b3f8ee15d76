"""Shared input types for the API."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_DB_ID = 2**63 - 1

#: A primary key as it may arrive from outside: positive and within a 64-bit column.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
