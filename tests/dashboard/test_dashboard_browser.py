"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Starts `run.py dashboard` on a free port, loads the page, moves a slider, presses Step and Play,
and checks that plots and key figures change and that the page requests nothing outside the host
it is served from (scripts, styles, fonts, widget modules, websockets): the dashboard works offline.

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

import pytest

from sim.dashboard.serve import CHROMIUM_ARGS, serve

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
TIMEOUT_MS = 60_000


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
    """`python run.py dashboard --port N` in its own process; yields its URL and its output file."""
    chromium()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    try:
        with serve(["--seed", "1"], log) as url:
            yield url, log
    except RuntimeError as err:
        pytest.fail(str(err))


def is_local(url: str) -> bool:
    """Whether a request stays on this machine; blob: and data: URLs never leave the browser."""
    if url.startswith("data:"):
        return True
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    return urlparse(url).hostname in LOCAL_HOSTS


def plot_sources(page) -> list[str]:
    return [img.get_attribute("src") for img in page.locator(IMAGES).all()]


IMAGES = "img.solara-image, .solara-image img"


def test_dashboard_in_headless_chromium(server):
    """Every check waits for the page (Playwright's `expect`): the server re-renders over a
    websocket, and on a busy machine the page shows the old text for a while after each click.
    """
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    url, log = server
    assert log.read_text().startswith(f"Dashboard: {url.rstrip('/')}")
    requests: list[str] = []
    failures: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            drive_the_page(page, expect)
        finally:
            browser.close()

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"the page requested resources outside localhost: {outside}"
    assert any(u.startswith("ws://127.0.0.1") for u in requests), "no websocket to the server"
    assert not failures, failures
    assert not errors, errors
    assert "Traceback" not in log.read_text(), log.read_text()


def drive_the_page(page, expect) -> None:
    """Move a slider, Step three times, Play and pause, then pick another scenario."""
    status, changes = page.locator(".sim-status"), page.locator(".sim-changes")
    step = page.get_by_role("button", name="Step", exact=True)
    expect(step).to_be_visible()
    expect(status).to_contain_text("Day 0 of 500")
    expect(changes).to_contain_text("none yet")  # loading moved no lever
    expect(page.locator(IMAGES)).to_have_count(5)
    for image in page.locator(IMAGES).all():
        expect(image).to_have_attribute("src", re.compile(r"."))
    images = plot_sources(page)

    shared_goals = page.locator(".v-input", has_text="Shared goals")
    shared_goals.get_by_role("slider").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".v-label", has_text="Shared goals: 10%")).to_be_visible()

    for day in (5, 10, 15):  # a Step is one working week; wait for each before the next
        step.click()
        expect(status).to_contain_text(f"Day {day} of 500")
    expect(changes).to_contain_text("day 0: Shared goals = 10%")
    page.wait_for_function(  # waits, as expect does, until every plot has been redrawn
        "before => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
        ".every((img, i) => img.src && img.src !== before[i])",
        arg=images,
    )

    page.get_by_role("button", name="▶").click()
    expect(status).to_contain_text(re.compile(r"Day ([4-9]\d|\d{3,}) of 500"))  # 40 days or more
    page.get_by_role("button", name="❚❚").click()
    expect(page.locator("tr", has_text="Revenue to date")).to_contain_text(re.compile(r"[1-9]"))

    page.locator(".v-select", has_text="Scenario").first.click()  # the picker starts another run
    page.locator(".v-overlay--active .v-list-item-title").get_by_text("integrated", exact=True).click()
    expect(page.locator(".v-label", has_text="SLA on first contact (0 = none): 2.0 h")).to_be_visible()
    expect(status).to_contain_text("Day 0 of 500")


def test_only_local_urls_count_as_local():
    assert is_local("http://127.0.0.1:8765/_solara/cdn/x.js") and is_local("ws://localhost:1/jupyter")
    assert is_local("blob:http://127.0.0.1:8765/0b1c") and is_local("data:image/png;base64,AAAA")
    assert not is_local("https://cdn.jsdelivr.net/npm/vega@5") and not is_local(
        "https://fonts.googleapis.com/css"
    )
    assert not is_local("blob:https://example.com/0b1c")
