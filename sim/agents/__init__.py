"""The Mesa agents: residents (views on the population arrays), police departments and the vendor."""
