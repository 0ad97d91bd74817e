"""A program under `xrole record`: boto3 with nothing configured but what
xrole gives it (AWS_ENDPOINT_URL, the region, the credential endpoint). It
writes and reads one object and deletes it: on the gateway's world
(argument `world`) App may not, and the delete is refused; against AWS
(argument `aws`), AWS decides (here moto, which checks nothing).
"""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
s3.create_bucket(Bucket="app-data")
s3.put_object(Bucket="app-data", Key="recorded/a.txt", Body=b"recorded")
assert s3.get_object(Bucket="app-data", Key="recorded/a.txt")["Body"].read() == b"recorded"
if sys.argv[1] == "world":
    try:
        s3.delete_object(Bucket="app-data", Key="recorded/a.txt")
        raise SystemExit("DeleteObject was not refused")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied", e.response
else:
    s3.delete_object(Bucket="app-data", Key="recorded/a.txt")
print("recorded program: done")
