"""The REST API SAM generates: routes, the streaming chat integration, auth, binary media, logs."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.template.cfn import Route

# The deployed surface (api-reference.txt plus the upload and dashboard routes) -> function.
EXPECTED = {
    ("POST", "/api/gate/v1/chat/completions"): "ChatFunction",
    ("HEAD", "/api/gate/anthropic"): "ChatFunction",
    ("GET", "/api/gate/anthropic"): "ChatFunction",
    ("GET", "/api/gate/anthropic/{proxy+}"): "ChatFunction",
    ("POST", "/api/gate/anthropic/{proxy+}"): "ChatFunction",
    ("POST", "/api/gate/v1/embeddings"): "EmbeddingsFunction",
    ("POST", "/api/gate/v1/images/generations"): "MediaFunction",
    ("POST", "/api/gate/v1/audio/speech"): "MediaFunction",
    ("POST", "/api/gate/v1/audio/transcriptions"): "MediaFunction",
    ("POST", "/api/gate/v1/uploads"): "MediaFunction",
    ("GET", "/api/gate/v1/models"): "CatalogFunction",
    ("GET", "/api/gate/v1/models/{model_id+}"): "CatalogFunction",
    ("GET", "/api/gate/v1/aliases"): "CatalogFunction",
    ("GET", "/api/gate/v1/providers"): "CatalogFunction",
    ("GET", "/api/gate/v1/health"): "CatalogFunction",
    **{
        (method, "/api/v1/brands/{brand_id}/gate/{proxy+}"): "DashboardFunction"
        for method in ("GET", "POST", "PATCH", "DELETE")
    },
    ("GET", "/console"): "DashboardFunction",
    ("GET", "/console/{proxy+}"): "DashboardFunction",
}
# Every API path takes OPTIONS (CORS preflights) at its own function (the console is same-origin,
# and the bare Anthropic base only answers a HEAD probe); the catalog's GETs take HEAD.
EXPECTED.update(
    {
        ("OPTIONS", path): function
        for (_, path), function in EXPECTED.items()
        if not path.startswith("/console") and path != "/api/gate/anthropic"
    }
)
EXPECTED.update(
    {
        ("HEAD", path): f
        for (method, path), f in EXPECTED.items()
        if method == "GET" and f == "CatalogFunction"
    }
)
STREAMED = {"ChatFunction", "MediaFunction"}
STREAMING_URI = re.compile(
    r"^arn:aws:apigateway:\$\{AWS::Region\}:lambda:path/2021-11-15/functions/"
    r"\$\{(ChatFunction|MediaFunction)\.Arn\}/response-streaming-invocations$"
)
BUFFERED_URI = re.compile(
    r"^arn:aws:apigateway:\$\{AWS::Region\}:lambda:path/2015-03-31/functions/\$\{\w+\.Arn\}/invocations$"
)


def _api(translated: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = translated["Resources"]["GatewayApi"]["Properties"]["Body"]
    return body


def test_every_route_reaches_its_group_function(routes: list[Route]) -> None:
    assert {(r.method, r.path): r.function for r in routes} == EXPECTED


def test_chat_and_media_use_the_response_streaming_integration(routes: list[Route]) -> None:
    streamed = [r for r in routes if r.function in STREAMED]
    assert {r.function for r in streamed} == STREAMED
    for route in streamed:
        uri = route.integration["uri"]["Fn::Sub"]
        assert STREAMING_URI.match(uri) and f"${{{route.function}.Arn}}" in uri, route
        assert route.integration["responseTransferMode"] == "STREAM"
        assert route.integration["type"] == "aws_proxy"
        # Media is no longer capped at API Gateway's buffered 29 s.
        assert route.integration["timeoutInMillis"] == 300_000


def test_buffered_groups_use_the_plain_proxy_integration(routes: list[Route]) -> None:
    for route in routes:
        if route.function not in STREAMED:
            assert BUFFERED_URI.match(route.integration["uri"]["Fn::Sub"]), route
            assert "responseTransferMode" not in route.integration
            assert route.integration["type"] == "aws_proxy"


def test_only_the_dashboard_sits_behind_the_cognito_authorizer(
    routes: list[Route], translated: dict[str, Any]
) -> None:
    for route in routes:
        secured = route.operation.get("security", [])
        if (
            route.path.startswith("/api/v1/brands/") and route.method != "OPTIONS"
        ):  # preflights carry no token
            assert secured == [{"DashboardCognito": []}], route
        else:
            assert not secured, route
    scheme = _api(translated)["components"]["securitySchemes"]["DashboardCognito"]
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert scheme["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]


def test_binary_media_types_are_only_what_is_really_binary(translated: dict[str, Any]) -> None:
    # JSON stays text (no base64 growth toward Lambda's 6 MB cap); */* would also break preflights.
    assert set(_api(translated)["x-amazon-apigateway-binary-media-types"]) == {
        "multipart/form-data",
        "audio/*",
        "application/octet-stream",
    }


def test_gateway_errors_use_the_openai_error_body(translated: dict[str, Any]) -> None:
    responses = _api(translated)["x-amazon-apigateway-gateway-responses"]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["REQUEST_TOO_LARGE"]["responseParameters"]["gatewayresponse.header.x-should-retry"] == (
        "'false'"
    )
    assert responses["THROTTLED"]["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    for name, response in responses.items():
        # Off unless CorsAllowedOrigins is set; then a browser can read the error.
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == {
            "Fn::If": ["HasCorsOrigins", "method.request.header.origin", {"Ref": "AWS::NoValue"}]
        }, name
    for name, response in responses.items():
        # $context.error.messageString is already a quoted JSON string.
        text = response["responseTemplates"]["application/json"].replace(
            "$context.error.messageString", '"m"'
        )
        error = json.loads(text)["error"]
        assert set(error) == {"message", "type", "param", "code"}, name
        assert error["message"], name


def _stage(translated: dict[str, Any]) -> dict[str, Any]:
    (stage,) = [
        r["Properties"] for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"
    ]
    return stage


def test_cors_origins_and_compression_are_configured_for_every_function(
    template: dict[str, Any], translated: dict[str, Any]
) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SPIDERGATE_CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}
    assert template["Parameters"]["CorsAllowedOrigins"]["Default"] == ""  # off by default
    # API Gateway compresses large bodies; the app does not compress twice.
    assert env["SPIDERGATE_COMPRESS_MIN_BYTES"] == "0"
    assert translated["Resources"]["GatewayApi"]["Properties"]["MinimumCompressionSize"] == 1400


def test_one_stage_named_by_the_parameter_with_tracing_and_throttling(translated: dict[str, Any]) -> None:
    stage = _stage(translated)
    assert stage["StageName"] == {"Ref": "Stage"}
    assert stage["TracingEnabled"] is True
    (setting,) = stage["MethodSettings"]
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    api = translated["Resources"]["GatewayApi"]["Properties"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_access_log_lines_are_json_without_credentials(translated: dict[str, Any]) -> None:
    setting = _stage(translated)["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = re.sub(r"\$context\.[\w.]+", "x", setting["Format"])
    fields = json.loads(line)
    assert {"requestId", "status", "resourcePath", "responseLatency", "integrationLatency"} <= set(fields)
    assert "header" not in setting["Format"].lower()  # no request header (Authorization) is logged
