"""The HTTP API and the console pages (FastAPI)."""
