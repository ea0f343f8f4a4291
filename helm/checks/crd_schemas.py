"""Strict schemas of CustomResourceDefinitions, shared by the checks that validate custom resources.

Kubernetes prunes unknown fields of a custom resource; `kubectl apply --validate=strict` refuses
them. The schemas here refuse them too, so a misspelt field cannot pass; subtrees a CRD leaves
open (x-kubernetes-preserve-unknown-fields) stay open.
"""

from pathlib import Path

import jsonschema
import yaml


# Closes every object schema that lists its properties (unless it says what else it allows).
def strict(schema):
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: strict(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            closed["additionalProperties"] = False
    return closed


# (apiVersion, kind) -> strict schema of the object, for one CRD's served, non-deprecated versions.
def schemas_of_crd(crd):
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    return {
        (f"{group}/{version['name']}", kind): strict(version["schema"]["openAPIV3Schema"])
        for version in crd["spec"]["versions"]
        if version.get("served") and not version.get("deprecated")
    }


# The CRD documents of a file, or of every YAML file in a directory.
def crd_documents(path):
    path = Path(path)
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    for file in files:
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                yield doc


# (apiVersion, kind) -> strict schema, for every CRD in the given files or directories.
def crd_schemas(*paths):
    schemas = {}
    for path in paths:
        for crd in crd_documents(path):
            schemas.update(schemas_of_crd(crd))
    return schemas


# Schema errors as `path: message`, deepest first, so the cause is readable.
def validation_errors(schema, instance):
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: -len(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message}" for e in errors]


# Why an object does not validate (empty when it does); None when no CRD defines its kind.
def schema_errors(obj, schemas):
    schema = schemas.get((obj.get("apiVersion"), obj.get("kind")))
    if schema is None:
        if obj.get("kind") in {kind for _, kind in schemas}:
            return [f"apiVersion {obj.get('apiVersion')} is no served version of the {obj['kind']} CRD"]
        return None
    return validation_errors(schema, obj)
