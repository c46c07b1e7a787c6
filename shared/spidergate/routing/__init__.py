"""Routing: model resolution, key ordering, failure classification and the fallback loop."""
