"""Templates, static files and interface strings of the console."""
