"""Strict schemas of CustomResourceDefinitions, shared by the checks that validate custom resources.

Kubernetes prunes unknown fields of a custom resource; `--validate=strict` refuses them. The
schemas here refuse them too, so a misspelt field cannot pass.
"""


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


# (apiVersion, kind) -> strict schema of the object, for the served, non-deprecated versions.
def crd_schemas(crd):
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    return {
        (f"{group}/{version['name']}", kind): strict(version["schema"]["openAPIV3Schema"])
        for version in crd["spec"]["versions"]
        if version.get("served") and not version.get("deprecated")
    }
