"""The one table of ``core``: the stamps that tell :mod:`baton.core.refcache` a table changed."""

from __future__ import annotations

from django.db import models


class TableStamp(models.Model):
    """A random number that changes on every write to the table ``name`` (set by triggers only)."""

    name = models.CharField(max_length=63, primary_key=True)
    stamp = models.BigIntegerField()

    class Meta:
        db_table = "core_tablestamp"

    def __str__(self) -> str:
        return f"{self.name}@{self.stamp}"
