"""The command line: one module per command, what they share in `sim.cli.common`.

`sim.cli.main` builds the parser from the command modules and dispatches.
"""
