"""boto3 through the gateway (`xrole sts serve --backend URL`), the URL its
only argument: the developer assumes the App role on the same endpoint, then
S3 (a bucket, an upload, a download, a listing, a presigned GET) and DynamoDB
(a table, an item) calls go through to the backend, and the calls App's
policy does not allow (DeleteObject, GetItem on another table) are refused as
the services refuse them, naming the check. Exits non-zero on any difference.
"""
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url = sys.argv[1]
dev = boto3.Session(aws_access_key_id="AKIAXROLEGATEWAYDEV1",
    aws_secret_access_key="xrole-gateway-secret-not-a-real-key-0000", region_name="us-east-1")
c = dev.client("sts", endpoint_url=url).assume_role(RoleArn="arn:aws:iam::111111111111:role/App", RoleSessionName="app")["Credentials"]
app = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
    aws_session_token=c["SessionToken"], region_name="us-east-1")
s3 = app.client("s3", endpoint_url=url, config=Config(signature_version="s3v4"))
s3.create_bucket(Bucket="app-data")
s3.put_object(Bucket="app-data", Key="reports/a.txt", Body=b"hello gateway")
assert s3.get_object(Bucket="app-data", Key="reports/a.txt")["Body"].read() == b"hello gateway"
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="app-data")["Contents"]]
assert keys == ["reports/a.txt"], keys
link = s3.generate_presigned_url("get_object", Params={"Bucket": "app-data", "Key": "reports/a.txt"}, ExpiresIn=300)
assert urllib.request.urlopen(link).read() == b"hello gateway"
try:
    s3.delete_object(Bucket="app-data", Key="reports/a.txt")
    sys.exit("DeleteObject was not refused")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
    assert "s3:DeleteObject" in e.response["Error"]["Message"], e.response
    print("refused:", e.response["Error"]["Message"][:120])
# Signature Version 2, which S3's presigned URLs default to in boto3, is refused
# with the way out.
v2 = app.client("s3", endpoint_url=url).generate_presigned_url(
    "get_object", Params={"Bucket": "app-data", "Key": "reports/a.txt"}, ExpiresIn=300)
try:
    urllib.request.urlopen(v2)
    sys.exit("a SigV2 presigned URL was not refused")
except urllib.error.HTTPError as e:
    assert e.code == 400 and b"s3v4" in e.read(), e
ddb = app.client("dynamodb", endpoint_url=url)
ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
ddb.put_item(TableName="orders", Item={"id": {"S": "1"}, "total": {"N": "42"}})
assert ddb.get_item(TableName="orders", Key={"id": {"S": "1"}})["Item"]["total"]["N"] == "42"
try:
    ddb.get_item(TableName="payments", Key={"id": {"S": "1"}})
    sys.exit("GetItem on payments was not refused")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDeniedException", e.response
    assert "dynamodb:GetItem" in e.response["Error"]["Message"], e.response
    print("refused:", e.response["Error"]["Message"][:120])
print("boto3 through the gateway: ok")
