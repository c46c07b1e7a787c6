"""Wire models (pydantic) following the official OpenAI OpenAPI schema."""
