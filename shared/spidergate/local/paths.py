"""Where the repository and its local-run files are (the package is installed editable from it)."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = "template.yaml"


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: this module) holding ``template.yaml``."""
    here = (start or Path(__file__)).resolve()
    for candidate in (here, *here.parents):
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"no {TEMPLATE} found above {here}; pass the template path explicitly")


def template_path() -> Path:
    return repo_root() / TEMPLATE


def demo_file() -> Path:
    """``.local/demo.json`` under the repository root (git-ignored): the demo agent's credentials."""
    return repo_root() / ".local" / "demo.json"


def state_file() -> Path:
    """``.local/state.json``: the local run's tables and secrets, kept across restarts."""
    return repo_root() / ".local" / "state.json"


def session_file() -> Path:
    """``.local/session.json``: the running local stack's dashboard sign-in (for ``sam_local``)."""
    return repo_root() / ".local" / "session.json"
