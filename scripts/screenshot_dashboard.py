"""Take the README's screenshot of the dashboard: docs/dashboard.png.

Starts `run.py dashboard segregated --compare integrated`, opens it in Debian's headless Chromium
(Playwright, no downloaded browser) at 1280x800, runs a working year, computes bands over ten
plausible worlds and saves the page. Needs the `dashboard` extra and the `chromium` package::

    .venv/bin/python scripts/screenshot_dashboard.py [--out docs/dashboard.png] [--days 250]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from sim.dashboard.serve import CHROMIUM_ARGS, ROOT, serve

VIEWPORT = {"width": 1280, "height": 800}  # a laptop screen: the size the page is made for


def shoot(url: str, out: Path, days: int) -> None:
    """Step a working year in 21-day steps, compute bands and save the viewport."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(120_000)
        page.goto(url)
        step = page.get_by_role("button", name="Step", exact=True)
        step.wait_for()
        page.locator(".v-input", has_text="Days per step").get_by_role("slider").focus()
        for _ in range(16):  # 5 -> 21 working days: a month per press
            page.keyboard.press("ArrowRight")
        page.locator(".v-label", has_text="Days per step: 21").wait_for()
        while current_day(page) < days:
            before = current_day(page)
            step.click()
            page.wait_for_function(
                f"() => !document.querySelector('.sim-status').innerText.includes('Day {before} ')"
            )
        page.get_by_role("button", name="Compute bands").click()
        page.locator(".sim-band-status", has_text="ready").wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        page.screenshot(path=str(out))
        browser.close()


def current_day(page) -> int:
    """The working day the page's status line shows."""
    return int(re.search(r"Day (\d+)", page.locator(".sim-status").inner_text()).group(1))


def main() -> int:
    """Parse options, serve, shoot, stop the server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    parser.add_argument("--days", type=int, default=250, help="working days to run before the shot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with serve(["segregated", "--compare", "integrated", "--seed", "1"], log) as url:
            shoot(url, args.out, args.days)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
