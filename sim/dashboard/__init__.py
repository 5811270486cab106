"""The interactive dashboard (Solara, Mesa's SolaraViz idiom): the app, its plots, its server."""
