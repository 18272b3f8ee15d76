"""``baton compiletranslations``: build the .mo files from baton/locale/*/LC_MESSAGES/*.po.

Uses Babel (pure Python), so a fresh machine needs no GNU gettext. The install script runs it;
.mo files are build output and are not committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile Baton's translation catalogs (.po → .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                with po_path.open("rb") as fh:
                    catalog = read_po(fh, locale=po_path.parent.parent.name)
                errors = [(m.id, err) for m, errs in catalog.check() for err in errs]
                if errors:
                    raise CommandError(f"{po_path}: {errors[0][1]} (in {errors[0][0]!r})")
                with po_path.with_suffix(".mo").open("wb") as fh:
                    write_mo(fh, catalog, use_fuzzy=False)
                compiled += 1
        self.stdout.write(f"compiled {compiled} catalogs")
