"""The reporting layer: reports (Markdown and HTML) and plots of runs, comparisons, sweeps and fits."""
