"""The vocabulary every layer shares: errors, the parameter machinery, named random streams,
demographic groups, offence types and the metric catalogue. Imports nothing else from sim."""
