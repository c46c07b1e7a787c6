"""A lean async DynamoDB client for the hot path (see ``client``); boto3 stays for everything else."""

from spidergate.dynamo_http.client import AsyncDynamoDB, endpoint_url, new_http_client

__all__ = ["AsyncDynamoDB", "endpoint_url", "new_http_client"]
