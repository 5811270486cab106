"""Agent-based model of sales-marketing team dynamics (see docs/ODD.md)."""
