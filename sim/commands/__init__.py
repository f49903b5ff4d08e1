"""The subcommands of `negsim`, one module each; `sim.cli` assembles them."""
