#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks a JSON response body against moby's swagger (2.0) API definition.

    apischema.py SPEC.yaml METHOD PATH STATUS < body.json

PATH is the spec's template ("/networks/{id}"). The response schema of
METHOD PATH STATUS is resolved ($ref, allOf) and the body checked for
required keys, types (with x-nullable), enums, and recursively through
properties, additionalProperties and items. Prints every mismatch with its
JSON path and exits 1 when there is one; exits 2 for usage errors (unknown
route or status). Reusable by any test: only python3 and python3-yaml.
"""
import json
import sys

import yaml

TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool,
}


def resolve(spec, schema):
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise SystemExit("unsupported $ref %s" % ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = dict(node, **extra)
        seen += 1
        if seen > 64:
            raise SystemExit("$ref loop at %s" % ref)
    if isinstance(schema, dict) and "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        props, req = dict(merged.get("properties", {})), list(merged.get("required", []))
        for part in schema["allOf"]:
            part = resolve(spec, part)
            props.update(part.get("properties", {}))
            req += part.get("required", [])
            for k in ("type", "additionalProperties", "items"):
                if k in part and k not in merged:
                    merged[k] = part[k]
        merged["properties"], merged["required"] = props, req
        schema = merged
    return schema


def type_ok(want, value):
    if want == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if want == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    cls = TYPES.get(want)
    if cls is bool:
        return isinstance(value, bool)
    return cls is None or isinstance(value, cls)


def check(spec, schema, value, path, errors, nulls=None, key=None):
    """NULLS: None to accept null for every object and array (moby's Go
    encoder writes nil maps and slices as null), or the set of key names
    dockerd is known to write as null; null is then accepted only there."""
    schema = resolve(spec, schema or {})
    if value is None:
        if schema.get("x-nullable") or schema.get("nullable") or not schema.get("type"):
            return
        if nulls is None and schema.get("type") in ("object", "array"):
            return
        if nulls is not None and key in nulls:
            return
        errors.append("%s: null where %s is expected" % (path, schema.get("type")))
        return
    want = schema.get("type")
    if want and not type_ok(want, value):
        errors.append("%s: %s where %s is expected" % (path, type(value).__name__, want))
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of %r" % (path, value, schema["enum"]))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: required key %s is missing" % (path, key))
        for key, sub in value.items():
            if key in props:
                check(spec, props[key], sub, "%s.%s" % (path, key), errors, nulls, key)
            elif isinstance(schema.get("additionalProperties"), dict):
                check(spec, schema["additionalProperties"], sub, "%s[%s]" % (path, key), errors,
                      nulls, key)
    elif isinstance(value, list) and "items" in schema:
        for i, sub in enumerate(value):
            check(spec, schema["items"], sub, "%s[%d]" % (path, i), errors, nulls)


def main(argv):
    if len(argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        spec = yaml.safe_load(f)
    method, path, status = argv[2].lower(), argv[3], argv[4]
    op = spec.get("paths", {}).get(path, {}).get(method)
    if op is None:
        print("no operation %s %s in %s" % (method.upper(), path, argv[1]), file=sys.stderr)
        return 2
    responses = op.get("responses", {})
    resp = responses.get(int(status)) or responses.get(status)
    if resp is None:
        print("status %s is not a documented response of %s %s" % (status, method.upper(), path),
              file=sys.stderr)
        return 1
    body = sys.stdin.read()
    schema = resp.get("schema")
    if schema is None:
        return 0 if not body.strip() else 0
    try:
        value = json.loads(body)
    except ValueError as exc:
        print("body is not JSON: %s" % exc)
        return 1
    errors = []
    check(spec, schema, value, "$", errors)
    for err in errors:
        print(err)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
