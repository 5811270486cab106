"""What the dashboard shares: loopback unless asked, only scenario files, no server paths.

The page has no log-in. Before these checks `--host 0.0.0.0` listened on every interface without
a word, and its file box loaded any `.toml` on the server: a test file's `name` appeared in the
page title, another file's section name in an error, and the messages told which paths exist.
"""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from sim.cli import dashboard as cli_dashboard
from sim.cli import main as cli
from sim.dashboard import app, runs
from sim.dashboard.files import ENV_FOLDER, page_scenario, public_message
from sim.model.params import ParameterError
from sim.model.scenario import SCENARIO_DIR


@pytest.fixture
def served(monkeypatch):
    """Run `dashboard ARGS` with serving replaced by a record of (host, port)."""
    calls: list[tuple[str, int]] = []
    if cli_dashboard.register_dashboard not in cli.REGISTRARS:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, cli_dashboard.register_dashboard])
    monkeypatch.setattr(cli_dashboard, "serve", lambda host, port: calls.append((host, port)))
    for name in [*cli_dashboard.SERVER_ENV, runs.ENV_SCENARIO, runs.ENV_COMPARE, runs.ENV_SEED, ENV_FOLDER]:
        monkeypatch.delenv(name, raising=False)
    return lambda *args: (cli.main(["dashboard", *map(str, args)]), calls)


# ---------------------------------------------------------------------- who can reach it
def test_a_host_other_machines_reach_needs_allow_remote(served, capsys):
    code, calls = served("--host", "0.0.0.0", "--port", "0")
    err = capsys.readouterr().err
    assert code == 2 and not calls
    assert err.startswith(
        "error: --host 0.0.0.0: other machines could reach the dashboard, which has no log-in"
    )
    assert "add --allow-remote" in err and err.count("\n") == 1


def test_allow_remote_serves_and_warns_on_stderr(served, capsys):
    code, calls = served("--host", "0.0.0.0", "--port", "0", "--allow-remote")
    out, err = capsys.readouterr()
    assert code == 0 and calls[0][0] == "0.0.0.0"
    assert err.startswith(
        "warning: the dashboard listens on 0.0.0.0, reachable from other machines, with no log-in"
    )
    assert out.startswith("Dashboard: http://0.0.0.0:")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_flag_and_prints_no_warning(served, capsys, host):
    code, calls = served("--host", host, "--port", "0")
    assert code == 0 and calls and capsys.readouterr().err == ""


def test_only_loopback_addresses_count_as_loopback():
    assert cli_dashboard.is_loopback("127.0.0.1") and cli_dashboard.is_loopback("::1")
    assert not cli_dashboard.is_loopback("0.0.0.0") and not cli_dashboard.is_loopback("::")
    assert not cli_dashboard.is_loopback("192.0.2.1") and not cli_dashboard.is_loopback(
        "no-such-host.invalid"
    )


# ---------------------------------------------------------------------- which files the page reads
@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A start folder with a scenario, a non-scenario TOML, and a secret file beside it."""
    start, elsewhere = tmp_path / "client", tmp_path / "elsewhere"
    start.mkdir()
    elsewhere.mkdir()
    (start / "client.toml").write_text('name = "client"\n[levers]\nn_reps = 12\n')
    (start / "pyproject.toml").write_text('[project]\nname = "secret-project"\n')
    (start / "sub").mkdir()
    (start / "sub" / "deeper.toml").write_text('name = "DEEPER"\n')
    (elsewhere / "secret.toml").write_text('name = "SECRET-NAME"\n[levers]\nn_reps = 3\n')
    (start / "link.toml").symlink_to(elsewhere / "secret.toml")
    for name in (runs.ENV_SCENARIO, runs.ENV_COMPARE, runs.ENV_SEED):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_FOLDER, str(start))
    return start, elsewhere


def refused(name: str) -> str:
    with pytest.raises(ParameterError) as raised:
        page_scenario(name)
    return str(raised.value)


def test_the_page_reads_shipped_scenarios_and_files_of_the_start_folder(folders):
    start, _ = folders
    assert page_scenario("segregated") == "segregated"
    assert page_scenario("client.toml") == start / "client.toml"
    assert page_scenario(str(start / "client.toml")) == start / "client.toml"
    assert page_scenario(str(SCENARIO_DIR / "integrated.toml")) == SCENARIO_DIR / "integrated.toml"


def test_files_elsewhere_get_the_message_of_files_that_do_not_exist(folders):
    start, elsewhere = folders
    secret = refused(str(elsewhere / "secret.toml"))
    missing = refused(str(elsewhere / "missing.toml"))
    assert secret == missing.replace("missing.toml", "secret.toml")
    assert "not a scenario file the dashboard may read" in secret and str(elsewhere) not in secret
    for name in ("../elsewhere/secret.toml", "link.toml", "sub/deeper.toml", "/etc/hostname.toml"):
        assert "not a scenario file the dashboard may read" in refused(name), name
    assert "SECRET" not in refused("link.toml")


def test_a_toml_that_is_no_scenario_is_refused_without_quoting_it(folders):
    message = refused("pyproject.toml")
    assert "not a scenario file (its top level has keys no scenario has)" in message
    assert "project" not in message.replace("pyproject", "")


def test_the_page_shows_neither_the_secret_name_nor_a_path(folders):
    _, elsewhere = folders
    box, rc = solara.render(app.Page(), handle_error=False)
    try:
        rc.find(v.TextField, label="or a scenario file (.toml)").widget.v_model = str(
            elsewhere / "secret.toml"
        )
        rc.find(v.Btn, children=["Load"]).widget.click()
        (alert,) = rc.find(v.Alert).widgets
        assert alert.text.startswith(
            "scenario file 'secret.toml': not a scenario file the dashboard may read"
        )
        assert str(elsewhere) not in alert.text
        texts = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
        assert "SECRET" not in texts and "segregated" in texts
        select = next(w for w in rc.find(v.Select).widgets if w.label == "Side by side with")
        with pytest.raises(ParameterError):  # a value sent past the picker is checked again
            runs.DashboardModel("segregated", str(elsewhere / "secret.toml"))
        assert str(elsewhere / "secret.toml") not in select.items
    finally:
        rc.close()


def test_messages_cut_server_paths_to_file_names():
    err = ParameterError(
        "/srv/clients/acme/x.toml: levers.n_rep: unknown key; allowed: see /opt/sim/docs/ODD.md"
    )
    assert public_message(err) == "x.toml: levers.n_rep: unknown key; allowed: see ODD.md"
    kept = "line 1, column 2: malformed TOML; allowed: TOML syntax (https://toml.io), 'a/b.toml'"
    assert public_message(ParameterError(kept)) == kept
    assert public_message(ParameterError(r"C:\Users\me\x.toml: bad")) == "x.toml: bad"
