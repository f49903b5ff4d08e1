"""Analyses over many scenario variants: sensitivity (which assumption matters most) and
scenario discovery (under which assumptions a path converges)."""
