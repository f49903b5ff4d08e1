"""Checking a scenario's evidence: quotes against their sources, and how well numbers are founded.

`quotes` matches a quote verbatim (forgiving only typography and elisions), `sources` reads the
articles a scenario names, and `check` walks a scenario file's numbers for `negsim evidence`.
"""
