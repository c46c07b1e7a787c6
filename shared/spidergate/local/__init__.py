"""Everything to run SpiderGate on one machine: moto for AWS, a sandbox upstream, demo data.

Development only: nothing in the Lambda functions imports this package.
"""
