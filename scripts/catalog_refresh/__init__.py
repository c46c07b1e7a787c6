"""The pure part of ``scripts/refresh_catalog.py``: LiteLLM price-list entries -> our catalog records.

No I/O here: ``selection`` picks and groups the entries, ``records`` maps one entry to a record,
``image_variants`` folds per size/quality image keys into a price table, ``supplement`` merges the
hand-kept additions and ``render`` writes the deterministic JSON.
"""
