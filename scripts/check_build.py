"""Check a `sam build` output before deploying it: imports, architectures, sizes, layer hygiene.

Run after `sam build` (offline):

    .venv/bin/python scripts/check_build.py [--build-dir .aws-sam/build] [--config-env default]
                                            [--parameter-overrides "Architecture=arm64"] [--python PATH]

For each function of the built template it imports the handler module in a clean interpreter of
the function's runtime (``python3.X -I -S -B``; ``sys.path`` = the function directory, then its
layers' ``python/`` directories, as on Lambda, whose code directories are read-only: bytecode is
read if shipped, never written) and prints the import time (a cold-start proxy) and peak RSS;
checks every compiled extension (ELF
``e_machine``, CPython tag) and wheel tag against the function's architecture, Python and glibc;
prints unzipped sizes against Lambda's 250 MB limit; checks the core layer carries its catalog data
and the built web console (every asset its page loads). Parameters (the architecture) come from the
template defaults, samconfig.toml's build overrides, then ``--parameter-overrides``.
Exit status 1: a failed import, an architecture/ABI mismatch, a function over the limit, a dirty
artifact (tests, caches, bytecode of another Python) or a name shadowed between a function and its
layers.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from built_template import Context, Function, functions, load_template

LAMBDA_UNZIPPED_LIMIT = 262_144_000  # bytes ("250 MB"): a function plus all its layers
MB = 1024 * 1024
# glibc of each Lambda Python runtime: Amazon Linux 2 up to 3.11, Amazon Linux 2023 from 3.12.
RUNTIME_GLIBC = {"3.10": (2, 26), "3.11": (2, 26), "3.12": (2, 34), "3.13": (2, 34), "3.14": (2, 34)}
ELF_MACHINE = {62: "x86_64", 183: "arm64"}
WHEEL_ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
CACHES = {".venv", "venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git"}
TESTS = {"tests", "test", "conftest.py"}
# Modules whose presence after import means work done at init that could wait (cold start).
EAGER = ("boto3", "botocore", "httpx", "uvloop", "cryptography")
# The web console, built into the core package (served by the dashboard function at /console).
CONSOLE = Path("spidergate/web/console_dist")

IMPORT_PROBE = """
import importlib, json, resource, sys, time
sys.path[:0] = {paths!r}
t0 = time.perf_counter()
module = importlib.import_module({module!r})
target = getattr(module, {attr!r})
elapsed = (time.perf_counter() - t0) * 1000
print(json.dumps({{
    "ms": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "callable": callable(target), "modules": len(sys.modules),
    "eager": [m for m in {eager!r} if m in sys.modules],
}}))
"""


class Report:
    """Collects problems and prints them where they are found."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)
        print(f"  ERROR {message}")


def find_python(runtime: str, explicit: str | None) -> str | None:
    """An interpreter of the runtime's version: --python, python3.X on PATH, or a pyenv install."""
    version = runtime.removeprefix("python")
    pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    for candidate in [explicit] if explicit else [f"python{version}", *pyenv]:
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
            )
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def handler_target(fn: Function) -> tuple[str, str]:
    """(module, attribute) the runtime loads: `app.handler`, or the `uvicorn mod:app` of a .sh handler."""
    if not fn.handler.endswith(".sh"):
        module, _, attr = fn.handler.rpartition(".")
        return module, attr
    match = re.search(r"uvicorn\s+(?:\\\s*)?([\w.]+):(\w+)", (fn.code_dir / fn.handler).read_text())
    if not match:
        raise SystemExit(f"{fn.name}: {fn.handler} does not run `uvicorn module:app`")
    return match.group(1), match.group(2)


def check_import(fn: Function, python: str, region: str, report: Report) -> None:
    """Import the handler in a clean interpreter; print its time, peak RSS and eager imports."""
    module, attr = handler_target(fn)
    paths = [str(fn.code_dir), *(str(d) for _, d in fn.layer_dirs)]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LAMBDA_TASK_ROOT": str(fn.code_dir),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "ASIACHECKBUILD",
        "AWS_SECRET_ACCESS_KEY": "check-build",
        "AWS_SESSION_TOKEN": "check-build",
        "AWS_EC2_METADATA_DISABLED": "true",
        # An AWS call at import time fails fast against a closed local port instead of going out.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        **fn.env,
    }
    code = IMPORT_PROBE.format(paths=paths, module=module, attr=attr, eager=EAGER)
    done = subprocess.run(
        [python, "-I", "-S", "-B", "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        report.error(f"{fn.name}: importing {module}.{attr} failed: {last}")
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["callable"]:
        report.error(f"{fn.name}: {module}.{attr} is not callable")
    eager = f"; already imported: {', '.join(result['eager'])}" if result["eager"] else ""
    shipped = any(next(d.rglob("*.pyc"), None) for _, d in fn.layer_dirs)
    compiled = "shipped bytecode" if shipped else "compiled from source"
    print(
        f"  import {module}.{attr}: {result['ms']:.0f} ms ({compiled}), peak RSS {result['rss_mb']:.0f} MB, "
        f"{result['modules']} modules{eager}"
    )


def _glibc_ok(platform_tag: str, limit: tuple[int, int]) -> bool:
    for legacy, version in LEGACY_MANYLINUX.items():
        if platform_tag.startswith(legacy + "_"):
            return version <= limit
    match = re.match(r"manylinux_(\d+)_(\d+)_", platform_tag)
    if match is None:
        return False  # musllinux, macOS, Windows: never loadable on Lambda
    return (int(match.group(1)), int(match.group(2))) <= limit


def _tag_ok(tag: str, cp: str, arch: str, glibc: tuple[int, int]) -> bool:
    py, abi, plats = tag.split("-")
    if plats == "any":
        return True
    py_ok = cp in py.split(".") or (abi == "abi3" and py.startswith("cp3") and int(py[3:]) <= int(cp[3:]))
    return py_ok and any(p.endswith(WHEEL_ARCH[arch]) and _glibc_ok(p, glibc) for p in plats.split("."))


def check_binaries(fn: Function, report: Report, checked: set[tuple[Path, str, str]]) -> None:
    """Every .so must be ELF for the function's machine and its CPython; every wheel tag likewise."""
    version = fn.runtime.removeprefix("python")
    cp = "cp" + version.replace(".", "")
    glibc = RUNTIME_GLIBC.get(version, (2, 26))
    for root in [fn.code_dir, *(d for _, d in fn.layer_dirs)]:
        if (root, fn.arch, fn.runtime) in checked:
            continue  # a layer shared by several functions is reported once
        checked.add((root, fn.arch, fn.runtime))
        for so in root.rglob("*.so*"):
            if not so.is_file() or not re.search(r"\.so(\.\d+)*$", so.name):
                continue
            header = so.read_bytes()[:20]
            machine = ELF_MACHINE.get(int.from_bytes(header[18:20], "little"), "unknown")
            if header[:4] != b"\x7fELF" or machine != fn.arch:
                report.error(f"{fn.name}: {so.relative_to(root)} is {machine}, the function is {fn.arch}")
            abi = re.search(r"\.cpython-(\d+)-", so.name)
            if abi and f"cp{abi.group(1)}" != cp:
                report.error(f"{fn.name}: {so.name} is built for another Python than {fn.runtime}")
        for wheel in root.glob("*.dist-info/WHEEL"):
            lines = wheel.read_text().splitlines()
            tags = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
            if tags and not any(_tag_ok(tag, cp, fn.arch, glibc) for tag in tags):
                report.error(
                    f"{fn.name}: {wheel.parent.name} fits no {cp} {fn.arch} glibc {glibc[0]}.{glibc[1]} "
                    f"runtime: {', '.join(tags)}"
                )


def check_hygiene(name: str, root: Path, report: Report, *, ours: bool, cache_tag: str) -> None:
    """No caches or environments ship, nor our tests; the core layer carries its catalog data.

    Third-party wheels may carry their own test folders (pip installs them); only ours must not.
    Bytecode may ship (`make build` precompiles it) if it is for the runtime's Python.
    """
    dirty = CACHES | TESTS if ours else CACHES
    for path in root.rglob("*"):
        if path.name in dirty:
            report.error(f"{name}: ships {path.relative_to(root)}")
        elif path.suffix == ".pyc" and (
            path.parent.name != "__pycache__" or f".{cache_tag}." not in path.name
        ):
            report.error(f"{name}: {path.relative_to(root)} is bytecode for another Python than {cache_tag}")
    package = root / "spidergate"
    if package.is_dir():
        extra = sorted(p.name for p in root.iterdir() if p.name != "spidergate")
        if extra:
            report.error(f"{name}: unexpected entries beside spidergate/: {', '.join(extra)}")
        data = sorted((package / "catalog" / "data").glob("*.json"))
        if not data:
            report.error(f"{name}: spidergate/catalog/data/*.json is missing")
        for item in data:
            json.loads(item.read_text())
        check_console(name, root, report)


def check_console(name: str, root: Path, report: Report) -> None:
    """The core layer carries the built console (`make console`), with every asset its page loads."""
    index = root / CONSOLE / "index.html"
    if not index.is_file():
        report.error(f"{name}: {CONSOLE}/index.html is missing (run `make console` before `sam build`)")
        return
    for ref in re.findall(r'(?:src|href)="\./(assets/[^"]+)"', index.read_text()):
        if not (root / CONSOLE / ref).is_file():
            report.error(f"{name}: {CONSOLE}/{ref}, loaded by the console page, is missing")


def check_shadowing(fn: Function, report: Report) -> None:
    """A top-level name in two places means one silently hides the other on sys.path, unless both
    copies are identical (a shared dependency of two layers, e.g. h11 of httpx and uvicorn)."""
    seen: dict[str, tuple[str, Path]] = {}
    for label, root in [("function code", fn.code_dir), *fn.layer_dirs]:
        for entry in root.iterdir():
            if entry.name in ("requirements.txt", "__pycache__"):
                continue  # neither is imported by name
            if entry.name in seen and fingerprint(entry) != fingerprint(seen[entry.name][1]):
                report.error(f"{fn.name}: {entry.name} is in both {seen[entry.name][0]} and {label}")
            seen.setdefault(entry.name, (label, entry))


def fingerprint(path: Path) -> list[tuple[str, str]]:
    """(relative path, SHA-256) of every file at or under ``path`` (bytecode and RECORD left out:
    they differ between identical installs)."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [
        (str(p.relative_to(path.parent)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in files
        if "__pycache__" not in p.parts and p.name not in ("RECORD", "INSTALLER", "REQUESTED")
    ]


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass
class Checker:
    """What one run knows across functions: layer sizes, layers already scanned, problems."""

    ctx: Context
    python: str | None
    cache_tag: str  # "cpython-312": the bytecode tag of the functions' runtime
    report: Report = field(default_factory=Report)
    layer_sizes: dict[str, int] = field(default_factory=dict)
    checked: set[tuple[Path, str, str]] = field(default_factory=set)

    def layer(self, label: str, root: Path) -> None:
        self.layer_sizes[label] = size(root)
        print(f"  {label:<12} {self.layer_sizes[label] / MB:6.1f} MB")
        check_hygiene(label, root, self.report, ours=(root / "spidergate").is_dir(), cache_tag=self.cache_tag)

    def function(self, fn: Function) -> None:
        own = size(fn.code_dir)
        total = own + sum(self.layer_sizes[label] for label, _ in fn.layer_dirs)
        external = " (+ external layers, not counted)" if fn.external_layers else ""
        print(
            f"- {fn.name} [{fn.runtime}, {fn.arch}]: code {own / MB:.2f} MB, with layers {total / MB:.1f} MB "
            f"of {LAMBDA_UNZIPPED_LIMIT / MB:.0f} MB{external}"
        )
        if total > LAMBDA_UNZIPPED_LIMIT:
            self.report.error(f"{fn.name}: {total / MB:.1f} MB unzipped exceeds Lambda's 250 MB limit")
        check_hygiene(fn.name, fn.code_dir, self.report, ours=True, cache_tag=self.cache_tag)
        check_shadowing(fn, self.report)
        check_binaries(fn, self.report, self.checked)
        if fn.handler.endswith(".sh") and not os.access(fn.code_dir / fn.handler, os.X_OK):
            self.report.error(f"{fn.name}: {fn.handler} is not executable")
        for arn in fn.external_layers:
            print(f"  external layer (not checked): {arn}")
        python = find_python(fn.runtime, self.python)
        host = HOST_ARCH.get(platform.machine(), platform.machine())
        if python is None:
            self.report.error(f"{fn.name}: no {fn.runtime} interpreter (put it on PATH or pass --python)")
        elif fn.arch != host:
            print(f"  import skipped: {fn.arch} extensions cannot load on this {host} host")
        else:
            check_import(fn, python, self.ctx.pseudo["AWS::Region"], self.report)


def main() -> int:
    parser = argparse.ArgumentParser(description="Check a sam build output before deploying it.")
    parser.add_argument("--build-dir", default=Path(".aws-sam/build"), type=Path)
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment")
    parser.add_argument("--parameter-overrides", help='as for sam, e.g. "Architecture=arm64"')
    parser.add_argument("--python", help="interpreter to import with (default: python3.X of the runtime)")
    args = parser.parse_args()
    built = args.build_dir / "template.yaml"
    if not built.exists():
        print(f"{built} not found: run `sam build` first", file=sys.stderr)
        return 2
    template = load_template(built)
    ctx = Context.load(template, Path("samconfig.toml"), args.config_env, args.parameter_overrides)
    fns = functions(ctx, args.build_dir)
    runtimes = {fn.runtime for fn in fns}
    if len(runtimes) != 1:
        print(
            f"functions use several runtimes ({', '.join(sorted(runtimes))}); layers serve one",
            file=sys.stderr,
        )
        return 1
    checker = Checker(ctx, args.python, "cpython-" + runtimes.pop().removeprefix("python").replace(".", ""))
    print("Layers (unzipped):")
    for label, root in dict(layer for fn in fns for layer in fn.layer_dirs).items():
        checker.layer(label, root)
    print(f"Functions (Architecture={ctx.params.get('Architecture', '?')}):")
    for fn in fns:
        checker.function(fn)
    if checker.report.errors:
        print(f"\nFAILED: {len(checker.report.errors)} problem(s)")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
