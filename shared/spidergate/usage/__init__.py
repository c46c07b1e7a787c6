"""Usage: token counts, pricing, limits and budgets, the usage ledger."""
