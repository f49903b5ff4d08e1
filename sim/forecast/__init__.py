"""Forecasts on the record: questions about dated events, the probability a scenario's run
gives each, a tamper-evident ledger of them, and their scores once the record resolves them.

The layers, in order: `months` (dates to the run's rounds), `fields` (checked YAML values),
`questions` and `record` (the two input files), `events` (the run's events table),
`conditions` (whether a question holds on a timeline), `probabilities`, `ledger`, `scores`.
"""
