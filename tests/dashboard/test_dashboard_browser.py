"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Starts `run.py dashboard segregated --compare integrated` once on a free port and opens a fresh
page (a new session) per test, at the 1280x800 a laptop shows. One test per point of the
dashboard: Step / Play / Reset and a picked scenario with status line and plots on the same day;
steering the second run alone; bands computed in the background while the page keeps working;
the people; the downloads (a scenario file that `run.py run` accepts); readable plots. Every
page's requests are recorded and must stay on this machine (scripts, styles, fonts, widget
modules, websockets): the dashboard works offline.

Every check waits for the page with Playwright's auto-waiting `expect` (the server re-renders
over a websocket, and on a busy machine the page shows the old text for a while after each
click); no test sleeps for a fixed time.

Needs the `chromium` system package and the `playwright` Python package; it never uses a browser
that Playwright downloads. CI installs both (.ci/run). Where they are missing the test fails and
says how to install them; SIM_SKIP_BROWSER_TESTS=1 skips it on purpose.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from sim.dashboard.plots import RC
from sim.dashboard.serve import CHROMIUM_ARGS, serve
from sim.model.scenario import load_scenario

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
TIMEOUT_MS = 60_000
BANDS_TIMEOUT_MS = 120_000  # ten short replications on a busy machine
VIEWPORT = {"width": 1280, "height": 800}
IMAGES = "img.solara-image, .solara-image img"
DAY = re.compile(r"Day (\d+) of")


def chromium() -> str:
    """Debian's chromium, or a failure that says what to install (a skip only when asked for)."""
    if os.environ.get("SIM_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SIM_SKIP_BROWSER_TESTS=1")
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium not found: the dashboard's browser test needs Debian's chromium "
            "(apt-get install -y chromium, as .ci/run does); SIM_SKIP_BROWSER_TESTS=1 skips it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(
            "playwright not installed: .venv/bin/pip install -e '.[dashboard]' (no 'playwright install')"
        )
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`python run.py dashboard segregated --compare integrated` in its own process: URL and log."""
    chromium()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    try:
        with serve(["segregated", "--compare", "integrated", "--seed", "1"], log) as url:
            yield url, log
    except RuntimeError as err:
        pytest.fail(str(err))
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def browser(server):
    """One headless Chromium for the module (Debian's, never a downloaded one)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_ARGS))
        try:
            yield chrome
        finally:
            chrome.close()


@pytest.fixture
def page(server, browser):
    """A fresh session at 1280x800; afterwards, every request it made must have stayed local."""
    url, log = server
    requests: list[str] = []
    failures: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))
    tab.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(url)
    from playwright.sync_api import expect

    expect(tab.locator(".sim-status")).to_contain_text("Day 0 of 500")
    yield tab
    context.close()
    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"the page requested resources outside localhost: {outside}"
    assert any(u.startswith("ws://127.0.0.1") for u in requests), "no websocket to the server"
    assert not failures, failures
    assert not errors, errors
    assert "Traceback" not in log.read_text(), log.read_text()


def is_local(url: str) -> bool:
    """Whether a request stays on this machine; blob: and data: URLs never leave the browser."""
    if url.startswith("data:"):
        return True
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    return urlparse(url).hostname in LOCAL_HOSTS


def plot_sources(page) -> list[str]:
    return [img.get_attribute("src") for img in page.locator(IMAGES).all()]


def wait_for_new_plots(page, before: list[str], skip: tuple[int, ...] = ()) -> None:
    """Wait (as expect does) until every plot but those in `skip` differs from `before`."""
    page.wait_for_function(
        "([before, skip]) => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
        ".every((img, i) => skip.includes(i) || (img.src && img.src !== before[i]))",
        arg=[before, list(skip)],
    )


def press(page, label: str, key: str, times: int = 1) -> None:
    """Focus the slider whose row says `label` and press a key on it."""
    page.locator(".v-input", has_text=label).get_by_role("slider").focus()
    for _ in range(times):
        page.keyboard.press(key)


def pick(page, select_label: str, option: str) -> None:
    """Choose `option` in the select labelled `select_label`."""
    page.locator(".v-select", has_text=select_label).first.click()
    page.locator(".v-overlay--active .v-list-item-title").get_by_text(option, exact=True).click()


def step_to(page, expect, day: int, horizon: int = 500) -> None:
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".sim-status")).to_contain_text(f"Day {day} of {horizon}")


# ---------------------------------------------------------------------- Step, Play, status and plots
def test_step_play_and_the_status_line_agree_with_the_plots(page):
    """Moves a slider, Steps, Plays and pauses: the plots show the status line's day, never an older one."""
    from playwright.sync_api import expect

    status, changes = page.locator(".sim-status"), page.locator(".sim-changes")
    expect(changes).to_contain_text("none yet")  # loading moved no lever
    expect(page.locator(IMAGES)).to_have_count(5)
    for image in page.locator(IMAGES).all():
        expect(image).to_have_attribute("src", re.compile(r"."))
    images = plot_sources(page)

    press(page, "Shared goals", "ArrowRight", 10)
    expect(page.locator(".v-label", has_text="Shared goals: 10%")).to_be_visible()
    press(page, "Days per step", "ArrowRight", 2)  # 7 days a step: batches that are not weeks
    expect(page.locator(".v-label", has_text="Days per step: 7")).to_be_visible()
    for day in (7, 14):
        step_to(page, expect, day)
    expect(changes).to_contain_text("day 0: Shared goals = 10% (segregated)")
    expect(page.locator(".sim-plot-day")).to_have_text(["as of day 14"] * 5)
    wait_for_new_plots(page, images)

    page.get_by_role("button", name="▶").click()
    expect(status).to_contain_text(re.compile(r"Day ([4-9]\d|\d{3,}) of 500"))  # 40 days or more
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    day = int(DAY.search(status.inner_text()).group(1))
    assert day % 7 == 0, f"the page shows day {day}, inside a batch of 7 days"
    expect(page.locator(".sim-plot-day")).to_have_text([f"as of day {day}"] * 5)
    step_to(page, expect, day + 7)  # after a pause, the next Step starts from the day shown
    expect(page.locator(".sim-plot-day").first).to_have_text(f"as of day {day + 7}")
    expect(page.locator("tr", has_text="Revenue to date")).to_contain_text(re.compile(r"[1-9]"))

    pick(page, "Scenario", "hybrid_small")  # the picker starts another run
    expect(page.locator(".v-label", has_text="Sales reps: 3")).to_be_visible()
    expect(status).to_contain_text("Day 0 of 500")
    page.get_by_role("button", name="Reset").click()
    expect(status).to_contain_text("Day 0 of 500")


# ---------------------------------------------------------------------- steering either arm
def test_the_second_run_can_be_steered_alone_and_both_together(page):
    from playwright.sync_api import expect

    changes = page.locator(".sim-changes")
    pick(page, "Levers act on", "integrated")
    expect(page.locator(".v-label", has_text="Shared goals: 100%")).to_be_visible()  # integrated's value
    press(page, "Shared goals", "ArrowLeft", 20)
    expect(page.locator(".v-label", has_text="Shared goals: 80%")).to_be_visible()
    step_to(page, expect, 5)
    expect(changes).to_contain_text("day 0: Shared goals = 80% (integrated)")
    expect(changes).not_to_contain_text("(segregated)")

    pick(page, "Levers act on", "segregated")  # the first run kept its own value
    expect(page.locator(".v-label", has_text="Shared goals: 0%")).to_be_visible()
    pick(page, "Levers act on", "both")
    press(page, "Field feedback", "ArrowRight", 5)
    step_to(page, expect, 10)
    expect(changes).to_contain_text(
        re.compile(r"day 5: Field feedback[^;]*\(segregated\); day 5: Field feedback[^;]*\(integrated\)")
    )


# ---------------------------------------------------------------------- bands in the background
def test_bands_run_in_the_background_and_draw_median_and_band(page):
    from playwright.sync_api import expect

    status, bands = page.locator(".sim-status"), page.locator(".sim-band-status")
    expect(bands).to_contain_text("Bands: none")
    press(page, "Horizon", "End")  # 2500 days: replications that take a while
    expect(status).to_contain_text("Day 0 of 2500")
    press(page, "Replications per run", "Home")
    expect(page.locator(".v-label", has_text="Replications per run: 5")).to_be_visible()
    page.get_by_role("button", name="Compute bands").click()
    expect(bands).to_contain_text(re.compile(r"running, [1-9]\d* of 10 runs done"))
    expect(page.locator(".sim-band-progress").get_by_role("progressbar")).to_be_visible()
    step_to(page, expect, 5, horizon=2500)  # the page keeps working while bands compute
    expect(bands).to_contain_text("running")
    page.get_by_role("button", name="Stop bands").click()
    expect(bands).to_contain_text("Bands: none")

    press(page, "Horizon", "Home")  # 50 days: the bands come back quickly
    expect(status).to_contain_text("Day 0 of 50")
    step_to(page, expect, 5, horizon=50)
    before = plot_sources(page)
    page.get_by_role("button", name="Compute bands").click()
    expect(bands).to_contain_text(
        "ready, median and 80% band of 5 replications per run", timeout=BANDS_TIMEOUT_MS
    )
    wait_for_new_plots(page, before, skip=(1,))  # every plot over time redrawn (not the funnel)


# ---------------------------------------------------------------------- the people
def test_the_people_view_shows_every_rep_and_marketer_and_marks_hybrids(page):
    from playwright.sync_api import expect

    first = page.locator(".sim-people-run").first
    expect(page.locator(".sim-people-run")).to_have_count(2)
    reps, marketers = (
        load_scenario("segregated").params.levers.n_reps,
        load_scenario("segregated").params.levers.n_marketers,
    )
    expect(first.locator(".sim-reps tr")).to_have_count(reps + 1)
    expect(first.locator(".sim-marketers tr")).to_have_count(marketers + 1)
    expect(first.locator(".sim-reps tr").nth(0)).to_contain_text("leads in queue")
    expect(first.locator(".sim-reps tr").nth(0)).to_contain_text("DIY assets")
    expect(first.locator(".sim-marketers tr").nth(0)).to_contain_text("hours: marketing / sales")
    expect(page.locator(".sim-hybrid")).to_have_count(0)
    step_to(page, expect, 5)
    expect(page.locator(".sim-people-card")).to_contain_text("People on day 5")

    pick(page, "Scenario", "hybrid_small")  # 3 reps, 1 marketer, 2 hybrids: a row on both sides
    expect(first.locator(".sim-reps tr")).to_have_count(3 + 2 + 1)
    expect(first.locator(".sim-reps .sim-hybrid")).to_have_count(2)
    expect(first.locator(".sim-marketers .sim-hybrid")).to_have_count(2)
    expect(first.locator(".sim-marketers")).to_contain_text("40% mkt / 60% sales")


# ---------------------------------------------------------------------- downloads
def download(page, label: str, nth: int, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator(".sim-download", has_text=label).nth(nth).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_each_run_downloads_its_tables_and_a_scenario_file_that_run_accepts(page, tmp_path, cli):
    from playwright.sync_api import expect

    press(page, "Shared goals", "ArrowRight", 30)
    expect(page.locator(".v-label", has_text="Shared goals: 30%")).to_be_visible()
    for day in (5, 10):
        step_to(page, expect, day)
    page.get_by_role("button", name="Prepare downloads").click()
    expect(page.locator(".sim-downloads")).to_contain_text("(day 10)")
    for nth, label in enumerate(("segregated", "integrated")):
        series = pd.read_csv(download(page, "time series (CSV)", nth, tmp_path))
        assert len(series) == 10  # one row per working day so far
        assert {"revenue", "deals_won", "trust_sales_in_marketing"} <= set(series.columns)
        summary = pd.read_csv(download(page, "summary (CSV)", nth, tmp_path))
        assert summary.loc[0, "scenario"] == label and summary.loc[0, "day"] == 10
        assert summary.loc[0, "revenue"] == pytest.approx(series["revenue"].sum())
        toml = download(page, "levers (scenario TOML)", nth, tmp_path)
        assert toml.name == f"{label}_levers.toml"
        steered = {"shared_goals": 0.3} if label == "segregated" else {}  # the lever moved, first run only
        assert load_scenario(toml).params == load_scenario(label).params.with_values(steered)
    done = cli("run", toml, "--days", "5", "--out", tmp_path, "--quiet")
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------- readable at 1280x800
def test_plots_are_drawn_at_about_the_size_shown_so_their_fonts_read(page):
    """A plot shown smaller than drawn shrinks its text: at 1280x800 no plot may shrink below 85%."""
    from playwright.sync_api import expect

    expect(page.locator(IMAGES)).to_have_count(5)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
        ".map(img => [img.naturalWidth, img.getBoundingClientRect().width])"
    )
    smallest_pt = min(RC["xtick.labelsize"], RC["ytick.labelsize"], RC["legend.fontsize"])
    for natural, shown in sizes:
        scale = shown / natural
        assert scale >= 0.85, (natural, shown)
        assert smallest_pt * 100 / 72 * min(scale, 1) >= 12, "plot text under 12 px on screen"
    size = page.locator(".sim-status").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14
    page.screenshot(path=str(Path(os.environ.get("SIM_SCREENSHOT_DIR", "/tmp")) / "dashboard_test.png"))


def test_only_local_urls_count_as_local():
    assert is_local("http://127.0.0.1:8765/_solara/cdn/x.js") and is_local("ws://localhost:1/jupyter")
    assert is_local("blob:http://127.0.0.1:8765/0b1c") and is_local("data:image/png;base64,AAAA")
    assert not is_local("https://cdn.jsdelivr.net/npm/vega@5") and not is_local(
        "https://fonts.googleapis.com/css"
    )
    assert not is_local("blob:https://example.com/0b1c")
