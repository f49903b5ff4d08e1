"""Plots of a result folder; `sim.plots.draw.draw_all` draws them all."""
