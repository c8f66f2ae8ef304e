"""Makes a freshly started moto server enforce credentials, with one admin user.

moto keeps everything in memory, so this runs after every moto start: it turns auth off,
creates an IAM admin with an access key, turns auth on (every later call must be signed
with a real key), and creates the warehouse bucket as that admin. Prints the key as JSON.
"""
import json
import sys
import urllib.request

import boto3

endpoint, region, bucket = sys.argv[1], sys.argv[2], sys.argv[3]


def reset_auth(count: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).read()


def client(service, key_id="bootstrap", secret="bootstrap"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=key_id, aws_secret_access_key=secret)


reset_auth("inf")
iam = client("iam")
iam.create_user(UserName="floe-admin")
iam.put_user_policy(UserName="floe-admin", PolicyName="admin", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="floe-admin")["AccessKey"]
reset_auth("0")
client("s3", key["AccessKeyId"], key["SecretAccessKey"]).create_bucket(Bucket=bucket)
print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))
