"""``baton audit verify``: recompute every ticket's hash chain and name the ones that were altered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baton.tickets.events import verify_ticket
from baton.tickets.models import Ticket


class Command(BaseCommand):
    help = "Audit-trail tools. 'verify' checks the hash chain of every ticket (exit 1 when any is broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--ticket", help="only this ticket number")

    def handle(self, *args: Any, **options: Any) -> None:
        tickets = Ticket.objects.order_by("pk").only("pk", "number", "audit_seq", "audit_head")
        if options["ticket"]:
            tickets = tickets.filter(number=options["ticket"])
        checked = 0
        broken: dict[str, list[str]] = {}
        for ticket in tickets.iterator(chunk_size=500):
            checked += 1
            for problem in verify_ticket(ticket):
                where = f"event #{problem.seq}" if problem.seq else "chain head"
                broken.setdefault(ticket.number, []).append(f"{where}: {problem.message}")
        for number, messages in broken.items():
            for message in messages:
                self.stdout.write(f"TAMPERED {number} {message}")
        self.stdout.write(f"checked {checked} tickets, {len(broken)} with altered history")
        if broken:
            raise CommandError(f"{len(broken)} ticket(s) have an altered history: {', '.join(broken)}")
