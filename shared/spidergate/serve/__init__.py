"""Endpoint services: parse -> route -> respond, with usage settled exactly once. No FastAPI here."""
