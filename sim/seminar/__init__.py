"""What the seminar page and the notebooks share: a scenario with one assumption changed,
run step by step (Mesa) or many times (the batch engine) without writing a result folder."""
