"""The brand dashboard's core: Cognito session verification, brand roles, and the services behind
``/api/v1/brands/{brand_id}/gate/*`` (agents, vault, usage, traces, audit). No FastAPI here."""
