"""The HTTP layer (FastAPI): thin routes over the core. The only package that imports FastAPI."""
