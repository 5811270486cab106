"""The experiments layer: runs on executors, designs, specs, sweeps, comparisons, statistics.

It builds on `sim.model` and writes its files through `sim.output`; sensitivity analysis lives here too.
"""
