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
}
STREAMING_URI = re.compile(
    r"^arn:aws:apigateway:\$\{AWS::Region\}:lambda:path/2021-11-15/functions/"
    r"\$\{ChatFunction\.Arn\}/response-streaming-invocations$"
)
BUFFERED_URI = re.compile(
    r"^arn:aws:apigateway:\$\{AWS::Region\}:lambda:path/2015-03-31/functions/\$\{\w+\.Arn\}/invocations$"
)


def _api(translated: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = translated["Resources"]["GatewayApi"]["Properties"]["Body"]
    return body


def test_every_route_reaches_its_group_function(routes: list[Route]) -> None:
    assert {(r.method, r.path): r.function for r in routes} == EXPECTED


def test_chat_uses_the_response_streaming_integration(routes: list[Route]) -> None:
    chats = [r for r in routes if r.function == "ChatFunction"]
    assert len(chats) == 4  # chat completions and the Anthropic base URL
    for chat in chats:
        assert STREAMING_URI.match(chat.integration["uri"]["Fn::Sub"])
        assert chat.integration["responseTransferMode"] == "STREAM"
        assert chat.integration["type"] == "aws_proxy"
        assert chat.integration["timeoutInMillis"] == 300_000


def test_buffered_groups_use_the_plain_proxy_integration(routes: list[Route]) -> None:
    for route in routes:
        if route.function != "ChatFunction":
            assert BUFFERED_URI.match(route.integration["uri"]["Fn::Sub"]), route
            assert "responseTransferMode" not in route.integration
            assert route.integration["type"] == "aws_proxy"


def test_only_the_dashboard_sits_behind_the_cognito_authorizer(
    routes: list[Route], translated: dict[str, Any]
) -> None:
    for route in routes:
        secured = route.operation.get("security", [])
        if route.function == "DashboardFunction":
            assert secured == [{"DashboardCognito": []}], route
        else:
            assert not secured, route
    scheme = _api(translated)["components"]["securitySchemes"]["DashboardCognito"]
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert scheme["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]


def test_binary_media_types_deliver_multipart_and_audio_as_bytes(translated: dict[str, Any]) -> None:
    assert {"multipart/form-data", "audio/*", "*/*"} <= set(
        _api(translated)["x-amazon-apigateway-binary-media-types"]
    )


def test_gateway_errors_use_the_openai_error_body(translated: dict[str, Any]) -> None:
    responses = _api(translated)["x-amazon-apigateway-gateway-responses"]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["REQUEST_TOO_LARGE"]["responseParameters"] == {
        "gatewayresponse.header.x-should-retry": "'false'"
    }
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
