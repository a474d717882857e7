"""The place: neighbourhoods, households, segregation and jurisdictions (city), and the social
network. Built once per run from the parameters."""
