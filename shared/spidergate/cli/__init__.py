"""The ``spidergate`` operator CLI: brands, agents, PATs and vault keys, straight against DynamoDB.

It uses the deployment's Settings and the default AWS credential chain, so it works against real
AWS, and against the local stack when ``AWS_ENDPOINT_URL`` points at moto.
"""
