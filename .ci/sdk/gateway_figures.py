"""The gateway's overhead against moto, in one run: an S3 GetObject and a
DynamoDB GetItem through the gateway (as the App role) against the same calls
straight to moto, alternated so that drift falls on both. Arguments: the
gateway's URL and moto's. Prints gateway_overhead_p50_ms and _p99_ms (the
difference of the percentiles) and the two paths' own p50.
"""
import sys
import time

import boto3
from botocore.config import Config

gateway, moto = sys.argv[1], sys.argv[2]
ROUNDS, WARMUP = 600, 100

dev = boto3.Session(aws_access_key_id="AKIAXROLEGATEWAYDEV1",
    aws_secret_access_key="xrole-gateway-secret-not-a-real-key-0000", region_name="us-east-1")
c = dev.client("sts", endpoint_url=gateway).assume_role(
    RoleArn="arn:aws:iam::111111111111:role/App", RoleSessionName="figures")["Credentials"]
app = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
    aws_session_token=c["SessionToken"], region_name="us-east-1")
direct = boto3.Session(aws_access_key_id="moto", aws_secret_access_key="moto", region_name="us-east-1")
s3v4 = Config(signature_version="s3v4")
paths = {
    "via": (app.client("s3", endpoint_url=gateway, config=s3v4), app.client("dynamodb", endpoint_url=gateway)),
    "direct": (direct.client("s3", endpoint_url=moto, config=s3v4), direct.client("dynamodb", endpoint_url=moto)),
}
samples = {"via": [], "direct": []}
for i in range(ROUNDS):
    for name, (s3, ddb) in paths.items():
        start = time.perf_counter()
        if i % 2:
            ddb.get_item(TableName="orders", Key={"id": {"S": "1"}})
        else:
            s3.get_object(Bucket="app-data", Key="reports/a.txt")["Body"].read()
        if i >= WARMUP:
            samples[name].append((time.perf_counter() - start) * 1e3)


def percentile(values, p):
    values = sorted(values)
    return values[int((len(values) - 1) * p)]


for label, p in (("p50", 0.5), ("p99", 0.99)):
    print(f"gateway_overhead_{label}_ms: {percentile(samples['via'], p) - percentile(samples['direct'], p):.2f}")
print(f"moto_direct_p50_ms: {percentile(samples['direct'], 0.5):.2f}")
print(f"moto_via_gateway_p50_ms: {percentile(samples['via'], 0.5):.2f}")
