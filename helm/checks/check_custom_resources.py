"""Custom resources of the chart's renders against their CRDs; scripts/check-chart.sh runs it.

usage: check_custom_resources.py REFERENCE_CRD_DIR RENDER_DIR ENV...

kubernetes-validate knows Kubernetes' own kinds only: for each ENV, RENDER_DIR/validate-ENV.log
holds its warnings for the objects of RENDER_DIR/rendered-ENV.yaml it had no schema for. Every
such kind must be defined by a CustomResourceDefinition, either rendered with the chart (the
dask-gateway chart's Traefik and DaskCluster CRDs, helm template --include-crds) or installed by
an add-on (REFERENCE_CRD_DIR: the Secrets Store CSI driver's, prometheus-operator's), and every
object of such a kind must validate against the CRD's schema with unknown fields refused, as a
strict apply would.
Prints one line per check; exits 1 when anything failed.
"""

import re
import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402
from crd_schemas import schemas_of_crd, validation_errors  # noqa: E402

UNKNOWN_KIND = re.compile(r"Couldn't find schema for kind (\S+) with api version (\S+)")


def load_all(path):
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


# (apiVersion, kind) -> (strict schema, where the CRD comes from).
def schemas_from(crds, source):
    found = {}
    for crd in crds:
        if crd.get("kind") == "CustomResourceDefinition":
            found.update({key: (schema, source) for key, schema in schemas_of_crd(crd).items()})
    return found


def check_render(env, render_dir, add_on_schemas):
    docs = load_all(Path(render_dir) / f"rendered-{env}.yaml")
    schemas = {**add_on_schemas, **schemas_from(docs, "rendered")}
    crd_count = sum(d["kind"] == "CustomResourceDefinition" for d in docs)
    print(f"info {env}: {len(docs)} objects rendered, {crd_count} of them CRDs")
    log = (Path(render_dir) / f"validate-{env}.log").read_text(encoding="utf-8")
    unknown = sorted({(api, kind) for kind, api in UNKNOWN_KIND.findall(log)})
    for api, kind in unknown:
        where = schemas.get((api, kind), (None, "no CRD"))[1]
        report((api, kind) in schemas, f"{env}: {kind} ({api}) is defined by a CRD", where)
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in schemas:
            continue
        errors = validation_errors(schemas[key][0], doc)
        what = f"{env}: {doc['kind']} {doc['metadata']['name']} matches its CRD ({schemas[key][1]})"
        report(not errors, what, "; ".join(errors[:5]))


def main(reference_crd_dir, render_dir, *envs):
    add_on_schemas = {}
    for path in sorted(Path(reference_crd_dir).glob("*.yaml")):
        add_on_schemas.update(schemas_from(load_all(path), f"add-on CRD {path.name}"))
    for env in envs:
        check_render(env, render_dir, add_on_schemas)
    return exit_status("custom resource")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
