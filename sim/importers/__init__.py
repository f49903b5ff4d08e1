"""Importers: published negotiation cases (KTAB, Bueno de Mesquita-style tables, DEU) as
scenario files whose every number cites the cell of the data file it was read from.

`sim.importers.deu.read_deu` gives a DEU table's issues as typed records (for backtests);
`to_scenario` in `deu` and `spatial` makes a scenario document; `deu.write_scenarios` and
`document.write_files` write them all at once, validated. See docs/importing.md.
"""
