"""Read a SAM template as `sam build` leaves it: functions, their layers, parameters, intrinsics.

Used by check_build.py. Resolution is best effort, enough for architectures, layer ARNs and
environment variables; it never calls AWS.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Stand-ins for pseudo parameters; the region is replaced by samconfig.toml's when it names one.
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "spidergate-check",
    "AWS::URLSuffix": "amazonaws.com",
}
_NAME_PROPERTIES = ("TableName", "FunctionName", "BucketName", "LayerName")


class _Loader(yaml.SafeLoader):
    """Safe YAML loader that reads CloudFormation short-form tags (!Ref, !Sub, ...) as long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain data, intrinsics in long form."""
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_Loader)
    return loaded


def parse_overrides(text: str | list[str] | None) -> dict[str, str]:
    """`Key=Value Key2="Value 2"` (sam's --parameter-overrides syntax) as a dict."""
    if not text:
        return {}
    items = text if isinstance(text, list) else shlex.split(text)
    return dict(item.split("=", 1) for item in items)


@dataclass
class Context:
    """Parameter values and pseudo parameters to resolve intrinsics against."""

    template: dict[str, Any]
    params: dict[str, str]
    pseudo: dict[str, str]

    @classmethod
    def load(
        cls, template: dict[str, Any], samconfig: Path, config_env: str, overrides: str | None
    ) -> Context:
        """Template defaults, then samconfig.toml's global/build overrides, then the command line's."""
        params = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
        pseudo = dict(PSEUDO)
        if samconfig.exists():
            section = tomllib.loads(samconfig.read_text()).get(config_env, {})
            for command in ("global", "build"):
                settings = section.get(command, {}).get("parameters", {})
                params.update(parse_overrides(settings.get("parameter_overrides")))
                pseudo["AWS::Region"] = settings.get("region", pseudo["AWS::Region"])
        params.update(parse_overrides(overrides))
        return cls(template, params, pseudo)

    def resolve(self, value: Any) -> Any:
        """Ref, Sub, If and GetAtt resolved; a resource Ref becomes its name property or its id."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not (isinstance(value, dict) and len(value) == 1):
            return value
        ((key, arg),) = value.items()
        if key == "Ref":
            return self._ref(arg)
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            local = {} if isinstance(arg, str) else {k: self.resolve(v) for k, v in arg[1].items()}

            def value(match: re.Match[str]) -> str:
                name = match.group(1)
                return str(local[name]) if name in local else str(self._ref(name.split(".")[0]))

            return re.sub(r"\$\{([^}!]+)\}", value, text)
        if key == "Fn::If":
            return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
        if key == "Fn::GetAtt":
            return f"{arg[0]}.{arg[1]}"
        return value

    def _ref(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        if name in self.pseudo:
            return self.pseudo[name]
        resource = self.template["Resources"].get(name, {})
        if resource.get("Type") == "AWS::Cognito::UserPool":
            # A user pool's Ref is its id (<region>_<suffix>), never its name.
            return f"{self.pseudo.get('AWS::Region', 'us-east-1')}_CheckBuild"
        props = resource.get("Properties", {})
        for prop in _NAME_PROPERTIES:
            if prop in props:
                return self.resolve(props[prop])
        return name.lower()

    def condition(self, name_or_expr: Any) -> bool:
        """A template condition's value (Equals, Not, And, Or, Condition)."""
        expr = name_or_expr
        if isinstance(name_or_expr, str):
            expr = self.template.get("Conditions", {})[name_or_expr]
        ((key, arg),) = expr.items()
        if key == "Fn::Equals":
            return str(self.resolve(arg[0])) == str(self.resolve(arg[1]))
        if key == "Condition":
            return self.condition(arg)
        results = [self.condition(a) for a in arg]
        if key == "Fn::Not":
            return not results[0]
        return all(results) if key == "Fn::And" else any(results)


@dataclass
class Function:
    """A zip function of the built template, with the Globals merged in."""

    name: str
    runtime: str
    arch: str
    handler: str
    code_dir: Path
    layer_dirs: list[tuple[str, Path]]  # (logical id, built python/ directory), in layer order
    external_layers: list[str]  # ARNs of layers this stack does not build
    env: dict[str, str]


def functions(ctx: Context, build_dir: Path) -> list[Function]:
    """Every AWS::Serverless::Function packaged as a zip."""
    resources = ctx.template["Resources"]
    defaults = ctx.template.get("Globals", {}).get("Function", {})
    found = []
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Serverless::Function" or props.get("PackageType") == "Image":
            continue
        local, external = [], []
        for layer in [*defaults.get("Layers", []), *props.get("Layers", [])]:
            ref = layer.get("Ref") if isinstance(layer, dict) else None
            layer_resource = resources.get(ref or "", {})
            if layer_resource.get("Type") == "AWS::Serverless::LayerVersion":
                local.append((str(ref), build_dir / layer_resource["Properties"]["ContentUri"] / "python"))
            else:
                external.append(str(ctx.resolve(layer)))
        env = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        found.append(
            Function(
                name=name,
                runtime=props.get("Runtime", defaults.get("Runtime", "")),
                arch=str(ctx.resolve(props.get("Architectures", defaults.get("Architectures", [])))[0]),
                handler=props.get("Handler", defaults.get("Handler", "")),
                code_dir=build_dir / props["CodeUri"],
                layer_dirs=local,
                external_layers=external,
                env={k: str(ctx.resolve(v)) for k, v in env.items()},
            )
        )
    return found
