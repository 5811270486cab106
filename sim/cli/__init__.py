"""The command line: one module per command; `sim.cli.main` builds the parser and dispatches."""
