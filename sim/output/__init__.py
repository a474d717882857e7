"""What a run leaves behind: results containers and files, the figure functions, analysis charts,
reports and generated documentation. Never runs a model."""
