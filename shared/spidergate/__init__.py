"""SpiderGate: an OpenAI-compatible gateway that pools a brand's provider keys.

The core (everything outside ``spidergate.web``) never imports FastAPI.
"""

__version__ = "0.1.0"
