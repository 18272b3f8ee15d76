"""The ``baton`` command: Django's manage.py plus the few things a newcomer needs.

baton run [--host H] [--port P] [--workers N]   migrate, load the demo if empty, start web + worker
baton worker                                     the background worker (timers)
baton demo                                       build the demo company
baton audit verify                               check every ticket's hash chain
baton <any manage.py command>                    e.g. baton createsuperuser, baton migrate
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

DEFAULT_SETTINGS = "baton.config.settings"


def _var_dir() -> Path:
    root = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("BATON_VAR_DIR", root / "var"))


def _ensure_secret_key() -> None:
    """A trial install keeps a generated key in var/secret_key; production sets SECRET_KEY."""
    if os.environ.get("SECRET_KEY"):
        return
    path = _var_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    os.environ["SECRET_KEY"] = path.read_text(encoding="utf-8").strip()


def _manage(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["baton", *argv])


def _run(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="baton run", description="Run Baton: web server and worker.")
    parser.add_argument("--host", default=os.environ.get("BATON_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BATON_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--no-demo", action="store_true", help="do not load the demo company into an empty database"
    )
    args = parser.parse_args(argv)

    _manage(["migrate", "--no-input", "-v", "0"])
    _manage(["deployflows"])
    import django

    django.setup()
    from baton.accounts.models import User

    if not args.no_demo and not User.objects.exists():
        _manage(["demo"])
    url = f"http://{args.host}:{args.port}"
    print(f"\nBaton is starting on {url}  (API docs: {url}/api/v1/docs)\n", flush=True)

    env = dict(os.environ)
    worker = subprocess.Popen([sys.executable, "-m", "baton.cli", "worker"], env=env)
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "baton.config.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ],
        env=env,
    )

    def stop(signum: int, frame: object) -> None:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = web.wait()
    stop(signal.SIGTERM, None)
    worker.wait(timeout=15)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    _ensure_secret_key()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if argv[0] == "run":
        return _run(argv[1:])
    _manage(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
