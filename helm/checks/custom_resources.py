"""Rendered custom resources against their CRDs; scripts/check-chart.sh runs it.

usage: custom_resources.py --crd CRD [--crd CRD ...] [--require KIND ...] RENDERED_YAML...

CRD is a CustomResourceDefinition file (one or more documents) or a directory of them. Every
object of the renders whose apiVersion and kind a CRD defines (a served, non-deprecated version)
is validated against that version's openAPIV3Schema, unknown fields refused as
`kubectl apply --validate=strict` refuses them; an object of a CRD's kind in a version it does not
serve fails. Each --require kind must occur in the renders at least once, so a check that
validates nothing cannot pass. Other checks import crd_schemas() and schema_errors().
Prints one line per object; exits 1 when anything failed.
"""

import argparse
import sys
from pathlib import Path

import jsonschema
import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402


# Kubernetes prunes unknown fields of a custom resource; `--validate=strict` refuses them.
# The check refuses them too, so a misspelt field cannot pass; subtrees the CRD leaves open
# (x-kubernetes-preserve-unknown-fields) stay open.
def strict(schema):
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: strict(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        closed["additionalProperties"] = False
    return closed


# The CRD documents of a file, or of every YAML file in a directory.
def crd_documents(path):
    path = Path(path)
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    for file in files:
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                yield doc


# (apiVersion, kind) -> strict schema, for the served, non-deprecated versions of the CRDs.
def crd_schemas(*paths):
    schemas = {}
    for path in paths:
        for crd in crd_documents(path):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served") and not version.get("deprecated"):
                    schemas[(f"{group}/{version['name']}", kind)] = strict(
                        version["schema"]["openAPIV3Schema"])
    return schemas


# Why an object does not validate (empty when it does); None when no CRD defines its kind.
def schema_errors(obj, schemas):
    schema = schemas.get((obj.get("apiVersion"), obj.get("kind")))
    if schema is None:
        if obj.get("kind") in {kind for _, kind in schemas}:
            return [f"apiVersion {obj.get('apiVersion')} is no served version of the {obj['kind']} CRD"]
        return None
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message}"
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crd", action="append", required=True, help="CRD file or directory")
    parser.add_argument("--require", action="append", default=[], metavar="KIND")
    parser.add_argument("renders", nargs="+")
    args = parser.parse_args(argv)
    schemas = crd_schemas(*args.crd)
    report(bool(schemas), "CRDs read", ", ".join(sorted(f"{kind} {api}" for api, kind in schemas)))
    seen = set()
    for render in args.renders:
        for obj in yaml.safe_load_all(Path(render).read_text(encoding="utf-8")):
            errors = schema_errors(obj or {}, schemas)
            if errors is None:
                continue
            seen.add(obj["kind"])
            name = f"{Path(render).name}: {obj['kind']} {obj.get('metadata', {}).get('name')}"
            report(not errors, f"{name} validates against its CRD", "; ".join(errors))
    for kind in args.require:
        report(kind in seen, f"{kind} objects rendered and validated")
    return exit_status("custom resource")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
