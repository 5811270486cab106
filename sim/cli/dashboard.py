"""The `dashboard` command: serve the interactive dashboard (`sim.dashboard.app`) in the browser.

Examples::

    python run.py dashboard                                   # segregated, http://127.0.0.1:8765
    python run.py dashboard defined --compare integrated      # two structures side by side
    python run.py dashboard my_client.toml --seed 7 --port 9000

As every command (`sim.cli.common`): `register_dashboard` adds the sub-parser; `handle_dashboard`
checks the scenario, seed, host and port before importing Solara (bad input is one `error:` line
and exit code 2). Its `--seed` is only the seed the page opens with, so it keeps its own check and
wording (any whole number >= 0), not `sim.cli.common.check_options`. The dashboard's packages are
the optional `dashboard` extra; without them the command says how to install them.

The server is Solara's own (`solara run`), started in this process in production mode with
telemetry and version checks off and no fallback CDN, so it makes no request to the internet.

What it shares: the page has no log-in, and anyone who can open it can run simulations and load
the scenario files it may read (`sim.dashboard.files`: shipped scenarios, `.toml` files under
`scenarios/` and in the folder it was started in). So it listens on loopback only unless
`--allow-remote` says otherwise, and then it warns on stderr.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_FAILURE, EXIT_OK, add_seed_option, fail
from sim.model.params import ParameterError

DEFAULT_HOST = "127.0.0.1"  # this machine only; --host 0.0.0.0 shares it on the network
DEFAULT_PORT = 8765  # Solara's default
SERVER_ENV: dict[str, str] = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports to mixpanel.com
    # Assets come from the solara-assets package. Without this, a file missing there would be fetched
    # from cdn.jsdelivr.net by the server; a dead local address makes it fail visibly instead.
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/no-cdn/",
    # Solara's "runs on Solara" banner sits over the bottom of the page's scrolling columns.
    "SOLARA_THEME_SHOW_BANNER": "False",
}
INSTALL_HINT = ".venv/bin/pip install -e '.[dashboard]' (or: bash scripts/setup.sh)"


def register_dashboard(subparsers: Any) -> None:
    """`dashboard [SCENARIO]`: sliders, Step / Play / Reset and live plots in the browser."""
    p = subparsers.add_parser(
        "dashboard",
        help="interactive dashboard in the browser: levers, Step/Play, live plots",
        description="Serve the interactive dashboard: pick a scenario, move the levers, press Step or "
        "Play and watch revenue, the funnel, response time, DIY collateral, brand and trust. "
        "Runs until Ctrl+C.",
        epilog="Example: python run.py dashboard defined --compare integrated",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        help="scenario the page opens with: a name or a .toml file (default: segregated)",
    )
    p.add_argument("--compare", metavar="SCENARIO", help="a second scenario to run side by side, same seed")
    add_seed_option(p, default=1, help="root seed the page opens with (default: %(default)s)")
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s, this machine only)"
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach; the page has no log-in, so anyone who reaches "
        "it can run simulations and load the scenario files it may read",
    )
    p.set_defaults(handler=handle_dashboard)


def handle_dashboard(args: argparse.Namespace) -> int:
    """Check the input, then serve the dashboard until interrupted."""
    scenario, compare = _checked_scenario(args.scenario), _checked_scenario(args.compare)
    if args.seed < 0:
        raise ParameterError(f"--seed: must be a whole number >= 0, got {args.seed}")
    check_remote(args.host, args.allow_remote)
    port = check_port(args.host, args.port)
    missing = missing_packages()
    if missing:
        return fail(f"the dashboard needs {', '.join(missing)}; install: {INSTALL_HINT}", EXIT_FAILURE)
    os.environ.update({k: os.environ.get(k, v) for k, v in SERVER_ENV.items()})
    os.environ.update(  # read by sim.dashboard.runs.initial_settings (ENV_SCENARIO, ENV_COMPARE, ENV_SEED)
        {
            "SIM_DASHBOARD_SCENARIO": scenario,
            "SIM_DASHBOARD_COMPARE": compare,
            "SIM_DASHBOARD_SEED": str(args.seed),
            "SIM_DASHBOARD_FOLDER": str(Path.cwd()),  # sim.dashboard.files.ENV_FOLDER
        }
    )
    if not is_loopback(args.host):
        print(
            f"warning: the dashboard listens on {args.host}, reachable from other machines, with no "
            "log-in: anyone who can reach it can run simulations and load the shipped scenarios and "
            f"the .toml files in {Path.cwd()}",
            file=sys.stderr,
            flush=True,
        )
    print(f"Dashboard: {url(args.host, port)}  (Ctrl+C to stop)", flush=True)
    serve(args.host, port)
    return EXIT_OK


def _checked_scenario(name: str | None) -> str:
    """Load the scenario now (one error line if it is bad); a file is passed on as an absolute path."""
    if name is None:
        return ""
    from sim.model.scenario import load_scenario

    load_scenario(name)
    is_file = name.endswith(".toml") or "/" in name or "\\" in name
    return str(Path(name).resolve()) if is_file else name


def is_loopback(host: str) -> bool:
    """Whether every address `host` stands for is this machine's loopback (127.0.0.0/8, ::1).

    A name is resolved, so `localhost` counts and a name that also points elsewhere does not;
    a name that does not resolve is not loopback (check_port then says it cannot listen there).
    """
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {info[4][0].split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_remote(host: str, allow_remote: bool) -> None:
    """Refuse a host other machines can reach unless asked for: the page has no log-in."""
    if not allow_remote and not is_loopback(host):
        raise ParameterError(
            f"--host {host}: other machines could reach the dashboard, which has no log-in; "
            "allowed: a loopback address (127.0.0.1, ::1, localhost), or add --allow-remote to share it"
        )


def check_port(host: str, port: int) -> int:
    """Return a port we can listen on (a free one for 0), or raise ParameterError saying why not."""
    if not 0 <= port <= 65535:
        raise ParameterError(f"--port: must be between 0 and 65535, got {port}")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            sock.bind((host, port))
            return sock.getsockname()[1]
    except OSError as err:
        raise ParameterError(
            f"--host {host} --port {port}: cannot listen there ({err.strerror or err}); "
            "allowed: a free port (0 picks one) on an address of this machine"
        ) from None


def url(host: str, port: int) -> str:
    """The address to open in a browser (IPv6 hosts in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def missing_packages() -> list[str]:
    """Packages of the `dashboard` extra that cannot be imported."""
    import importlib.util

    needed = {"solara": "solara", "solara_assets": "solara-assets", "altair": "mesa[viz]"}
    return [package for module, package in needed.items() if importlib.util.find_spec(module) is None]


def serve(host: str, port: int) -> None:
    """Run Solara's server for `sim.dashboard.app` in this process until Ctrl+C."""
    import warnings

    import click
    from solara.__main__ import run as solara_run

    # Solara warns on the first page load from 127.0.0.1 (any host but "localhost") that it cannot set
    # an iframe-embeddable cookie over plain http; the dashboard is not embedded, so it is noise.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)

    options = [
        *("--host", host, "--port", str(port)),
        "--production",  # minified assets; development mode adds an iframe from solara.dev
        "--no-open",
        "--no-check-version",  # would ask pypi.org for the latest version
    ]
    try:
        solara_run.main(["sim.dashboard.app", *options], standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl+C: the server has shut down
        print("Dashboard stopped.", flush=True)
