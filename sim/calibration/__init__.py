"""The calibration layer: observed figures, CRM exports and the fit of a client's parameters."""
