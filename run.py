"""Command line of the sales-marketing simulation; see `python run.py --help` and README.md.

Thin on purpose: all parsing and work happen in `sim.cli.main`, so the same commands can be tested
and reused from Python.
"""

import sys

from sim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
