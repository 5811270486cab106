"""Run controls: Step, Play, Reset, and the background job that computes bands.

Mesa's `ModelController` steps in one thread and redraws from another, and a pause cancels its
loop without a last redraw, so the page could show day 141 while the model stood at 150. These
controls keep Mesa's buttons and play loop (a `solara.use_thread` that steps "days per step" days,
then waits "play interval" ms) but publish a frame after the last step of every batch, and a pause
lets the batch under way finish and be shown (Step comes back only then): what the page shows is
where the model is.

The bands job runs in its own thread too, checking a cancel event between pieces of work, so the
page stays responsive while it runs and "Stop" or a new run ends it.
"""

from __future__ import annotations

import threading

import solara

from sim.dashboard.bands import DEFAULT_REPLICATIONS, REPLICATIONS, Bands, arms_of, compute_bands
from sim.dashboard.files import public_message
from sim.dashboard.session import Session

DAYS_PER_STEP = 5  # one working week per Step press and per frame of Play
PLAY_INTERVAL_MS = 100


@solara.component
def Controls(  # noqa: N802
    session: Session, days_per_step: solara.Reactive[int], play_interval: solara.Reactive[int]
) -> None:
    """Reset, Play / Pause (▶ / ❚❚) and Step, as Mesa's ModelController shows them."""
    playing = solara.use_reactive(False)
    model = session.model.value
    running = session.frame.value.day < model.horizon

    busy = solara.use_reactive(False)  # the play loop is still finishing its batch

    def play(cancel: threading.Event) -> None:
        if not playing.value:
            return
        busy.set(True)
        try:
            while not cancel.is_set() and model.running and model.day < model.horizon:
                model.advance(days_per_step.value)
                session.publish(model)
                cancel.wait(play_interval.value / 1000)
        finally:
            busy.set(False)  # after the last frame: Step comes back when the page shows the model's day
        if model.day >= model.horizon:
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, model], intrusive_cancel=False)

    def step() -> None:
        model.advance(days_per_step.value)
        session.publish(model)

    def reset() -> None:
        playing.set(False)
        session.restart(session.settings.value)

    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(
            label="❚❚" if playing.value else "▶",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running and not playing.value,
        )
        solara.Button(
            label="Step", color="primary", on_click=step, disabled=playing.value or busy.value or not running
        )


@solara.component
def BandControls(session: Session) -> None:  # noqa: N802
    """How many replications, a button that starts (or stops) them, and their progress."""
    replications = solara.use_reactive(DEFAULT_REPLICATIONS)
    job = solara.use_reactive(None)  # (model, replications) of the job asked for, or None
    progress = solara.use_reactive((0, 0))
    model = session.model.value
    active = job.value is not None and job.value[0] is model  # a new run ends the old job

    def work(cancel: threading.Event) -> None:
        asked = job.value
        if asked is None or asked[0] is not model:
            return
        of, count = asked
        try:
            result = compute_bands(
                arms_of(of), of.seed, of.horizon, count, cancel, lambda d, t: progress.set((d, t)), of.day
            )
        except Exception as err:  # noqa: BLE001 - a failed job is one line on the page, not a hung one
            session.error.set(f"bands: {public_message(err)}")
            job.set(None)
            return
        if result is not None and of is session.model.value:
            session.bands.set(result)
            job.set(None)

    solara.use_thread(work, dependencies=[job.value, model], intrusive_cancel=False)

    def start() -> None:
        session.bands.set(None)
        progress.set((0, 0))
        job.set((model, replications.value))

    low, high = REPLICATIONS
    with solara.Card("Bands over plausible worlds", classes=["sim-inputs"]):
        solara.SliderInt(f"Replications per run: {replications.value}", value=replications, min=low, max=high)
        if active:
            solara.Button("Stop bands", on_click=lambda: job.set(None), outlined=True)
        else:
            solara.Button("Compute bands", on_click=start, outlined=True)
        solara.HTML(tag="div", unsafe_innerHTML=band_status(active, progress.value, session.bands.value))
        if active and progress.value[1]:
            with solara.Div(classes=["sim-band-progress"]):
                solara.ProgressLinear(100 * progress.value[0] / progress.value[1])


def band_status(running: bool, progress: tuple[int, int], bands: Bands | None) -> str:
    """The bands' status line: running (with progress), ready, or none yet."""
    if running:
        done, total = progress
        text = f"Bands: running, {done} of {total or '…'} runs done (the page keeps working)"
    elif bands is not None:
        text = (
            f"Bands: ready, median and 80% band of {bands.replications} replications per run "
            f"(plausible worlds, levers as of day {bands.day})"
        )
    else:
        text = "Bands: none (each run once per plausible world, to the horizon)"
    return f'<div class="sim-band-status" style="font-size:14px">{text}</div>'
