"""The chart's Key Vault secrets (values keyVault); scripts/check-chart.sh runs it.

usage: check_key_vault_secrets.py CHART_DIR CRD INFRA_DIR INFRA_OUTPUTS_EXAMPLE OPERATOR_GUIDE RENDER_DIR

RENDER_DIR holds rendered-staging.yaml and rendered-prod.yaml (Key Vault secrets, the default) and
rendered-hand-made-secrets.yaml (staging with hand-made-secrets.yaml). For each Key Vault render:
every SecretProviderClass validates against the CRD's openAPIV3Schema (unknown fields refused, as
a strict apply would) and reads the values' vault as a known reader; every Secret name and key a
pod reads (env secretKeyRef, envFrom, secret volumes, the Azure Files volume's secretName, from
our rendered workloads and from the hub's and notebook servers' values, which the jupyterhub
chart renders) is produced by exactly one class, whose Secret is read by someone; every class is
mounted by a pod of the service account whose identity it reads as, and a pod reading a Secret
as env mounts its class (so the Secret exists before the container starts). For the hand-made
render: no class and no CSI mount, and every Secret read is in the operator guide's hand-made
table. Against the Bicep (INFRA_DIR/main.bicep): the Secret names, their keys and Key Vault secret
names (parameter defaults, through helmValues) and the readers equal the chart's defaults and
INFRA_OUTPUTS_EXAMPLE.
Prints one line per check; exits 1 when anything failed.
"""

import re
import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks, the Bicep reading in infra/checks.
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "checks"))
sys.path.insert(0, str(ROOT / "infra" / "checks"))
from check_key_vault_access import parse, readers, unquote  # noqa: E402
from check_report import exit_status, report  # noqa: E402
from check_values import helm_merge, load_yaml  # noqa: E402
from crd_schemas import crd_schemas, schema_errors  # noqa: E402

CSI_DRIVER = "secrets-store.csi.k8s.io"
AZURE_FILES_DRIVER = "file.csi.azure.com"
# What the Azure Files CSI driver reads from the Secret named in its volumeAttributes.
AZURE_FILES_KEYS = ("azurestorageaccountname", "azurestorageaccountkey")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
HAND_MADE_HEADING = re.compile(r"^#+ .*without the Key Vault add-on", re.IGNORECASE)


# One pod template per workload, with the service account its pods run as.
def rendered_pods(docs):
    for doc in docs:
        if doc.get("kind") not in WORKLOADS:
            continue
        spec = doc["spec"]
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec if doc["kind"] == "Pod" else spec["template"]["spec"]
        yield f"{doc['kind']} {doc['metadata']['name']}", pod.get("serviceAccountName", "default"), pod


# The hub and the notebook servers as our values configure them: the jupyterhub chart renders
# the hub, KubeSpawner the servers, so their Secret reads and mounts live in values.
def value_pods(values):
    jupyterhub = values.get("daskhub", {}).get("jupyterhub", {})
    hub = jupyterhub.get("hub", {})
    singleuser = jupyterhub.get("singleuser", {})
    hub_account = hub.get("serviceAccount", {}).get("name") or "hub"
    yield "hub (daskhub.jupyterhub.hub)", hub_account, {
        "containers": [{"env": env_list(hub.get("extraEnv"))}],
        "volumes": hub.get("extraVolumes") or [],
    }
    yield "notebook servers (daskhub.jupyterhub.singleuser)", None, {
        "containers": [{"env": env_list(singleuser.get("extraEnv"))}],
        "volumes": (singleuser.get("storage", {}).get("extraVolumes") or []),
    }


# z2jh accepts extraEnv as a map (name -> value or EnvVar) or as a list of EnvVars.
def env_list(extra_env):
    if isinstance(extra_env, list):
        return extra_env
    return [
        {"name": name, **(value if isinstance(value, dict) else {"value": value})}
        for name, value in (extra_env or {}).items()
    ]


# (secret, key or None for all of it, how) for every Secret a pod spec reads.
def secret_reads(pod):
    containers = (pod.get("containers") or []) + (pod.get("initContainers") or [])
    for container in containers:
        for env in container.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                yield ref["name"], ref["key"], f"env {env['name']}"
        for source in container.get("envFrom") or []:
            if "secretRef" in source:
                yield source["secretRef"]["name"], None, "envFrom"
    for volume in pod.get("volumes") or []:
        if "secret" in volume:
            items = volume["secret"].get("items")
            for key in [i["key"] for i in items] if items else [None]:
                yield volume["secret"]["secretName"], key, f"volume {volume['name']}"
        csi = volume.get("csi") or {}
        if csi.get("driver") == AZURE_FILES_DRIVER:
            name = (csi.get("volumeAttributes") or {}).get("secretName")
            for key in AZURE_FILES_KEYS:
                yield name, key, f"Azure Files volume {volume['name']}"


# The SecretProviderClasses a pod spec mounts.
def mounted_classes(pod):
    return {
        (v["csi"].get("volumeAttributes") or {}).get("secretProviderClass")
        for v in pod.get("volumes") or []
        if (v.get("csi") or {}).get("driver") == CSI_DRIVER
    }


# Every pod of a render with its reads and mounts (our workloads rendered, the rest from values).
# Secrets the charts render themselves (the jupyterhub chart's `hub`, with its generated tokens)
# are no Key Vault secrets.
def pods_of(docs, values):
    generated = {values["hub"]["secretName"]} | {
        d["metadata"]["name"] for d in docs if d.get("kind") == "Secret"
    }
    pods = []
    for who, account, pod in [*rendered_pods(docs), *value_pods(values)]:
        reads = [r for r in secret_reads(pod) if r[0] not in generated]
        pods.append({"who": who, "account": account, "reads": reads, "mounts": mounted_classes(pod)})
    return pods


# The Key Vault objects a class mounts (its `objects` parameter is YAML inside YAML).
def class_objects(spc):
    array = yaml.safe_load(spc["spec"].get("parameters", {}).get("objects") or "") or {}
    return [yaml.safe_load(entry) for entry in array.get("array", [])]


# What the CRD cannot say: an azure class reading our vault as a known reader, syncing one Secret
# of its own name from objects it mounts.
def class_faults(spc, values):
    key_vault = values["keyVault"]
    spec = spc["spec"]
    parameters = spec.get("parameters", {})
    faults = []
    if spec.get("provider") != "azure":
        faults.append(f"provider {spec.get('provider')!r}")
    if parameters.get("usePodIdentity") != "false":
        faults.append("usePodIdentity is not \"false\" (workload identity)")
    if parameters.get("keyvaultName") != key_vault["name"] or not key_vault["name"]:
        faults.append(f"keyvaultName {parameters.get('keyvaultName')!r} is not keyVault.name")
    if parameters.get("tenantId") != key_vault["tenantId"] or not key_vault["tenantId"]:
        faults.append(f"tenantId {parameters.get('tenantId')!r} is not keyVault.tenantId")
    if parameters.get("clientID") not in [c for c in key_vault["clientIds"].values() if c]:
        faults.append(f"clientID {parameters.get('clientID')!r} is no reader's (keyVault.clientIds)")
    objects = class_objects(spc)
    mounted = {o.get("objectName") for o in objects}
    if any(o.get("objectType") != "secret" for o in objects):
        faults.append("an object is not of objectType secret")
    synced = spec.get("secretObjects") or []
    if [s.get("secretName") for s in synced] != [spc["metadata"]["name"]]:
        faults.append(f"syncs {[s.get('secretName') for s in synced]}, not one Secret of its own name")
    for secret in synced:
        for item in secret.get("data") or []:
            if item.get("objectName") not in mounted:
                faults.append(f"key {item.get('key')} syncs {item.get('objectName')!r}, which it does not mount")
    return faults


def check_key_vault_render(label, docs, values, schemas):
    classes = [d for d in docs if d.get("kind") == "SecretProviderClass"]
    report(bool(classes), f"{label}: SecretProviderClasses rendered",
           ", ".join(c["metadata"]["name"] for c in classes))
    client_of = {}
    for spc in classes:
        name = spc["metadata"]["name"]
        errors = schema_errors(spc, schemas)
        report(not errors, f"{label}: SecretProviderClass {name} validates against the CRD", "; ".join(errors))
        faults = class_faults(spc, values)
        report(not faults, f"{label}: SecretProviderClass {name} reads keyVault.name as a reader", "; ".join(faults))
        client_of[name] = spc["spec"].get("parameters", {}).get("clientID")

    produced = {}
    for spc in classes:
        for secret in spc["spec"].get("secretObjects") or []:
            for item in secret.get("data") or []:
                produced.setdefault((secret["secretName"], item.get("key")), []).append(spc["metadata"]["name"])
    pods = pods_of(docs, values)
    read_secrets = set()
    for pod in pods:
        for secret, key, how in pod["reads"]:
            read_secrets.add(secret)
            keys = [key] if key else sorted(k for s, k in produced if s == secret) or [None]
            for wanted in keys:
                producers = produced.get((secret, wanted), [])
                what = f"{label}: {pod['who']} reads Secret {secret} key {wanted or '*'} ({how}), from exactly one SecretProviderClass"
                report(len(producers) == 1, what,
                       f"produced by {', '.join(producers)}" if producers else "produced by none")
                if producers and how.startswith("env"):
                    what = f"{label}: {pod['who']} mounts {producers[0]}, so {secret} is synced before it starts"
                    report(producers[0] in pod["mounts"], what)
    for spc in classes:
        name = spc["metadata"]["name"]
        report(name in read_secrets, f"{label}: the Secret of SecretProviderClass {name} is read by a pod")
        mounters = [p for p in pods if name in p["mounts"]]
        wrong = [f"{p['who']} runs as {p['account']}" for p in mounters
                 if values["keyVault"]["clientIds"].get(p["account"]) != client_of[name]]
        what = f"{label}: SecretProviderClass {name} is mounted only by pods of the identity it reads as"
        report(bool(mounters) and not wrong, what, "; ".join(wrong) or ("mounted by no pod" if not mounters else ""))


# The hand-made table of the operator guide: Kubernetes Secret -> its keys.
def documented_hand_made(guide_path):
    documented, inside = {}, False
    for line in Path(guide_path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = bool(HAND_MADE_HEADING.match(line))
        elif inside and line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            documented[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))
    return documented


def check_hand_made_render(label, docs, values, guide_path):
    classes = [d["metadata"]["name"] for d in docs if d.get("kind") == "SecretProviderClass"]
    report(not classes, f"{label}: no SecretProviderClass rendered", ", ".join(classes))
    pods = pods_of(docs, values)
    mounting = [p["who"] for p in pods if p["mounts"]]
    report(not mounting, f"{label}: no pod mounts the Key Vault CSI driver", ", ".join(mounting))
    documented = documented_hand_made(guide_path)
    report(bool(documented), f"{label}: {guide_path} has the hand-made Secrets table")
    read = {}
    for pod in pods:
        for secret, key, how in pod["reads"]:
            read.setdefault(secret, set()).add(key)
            listed = secret in documented and (key is None or key in documented[secret])
            what = f"{label}: {pod['who']} reads Secret {secret} key {key or '*'} ({how}), documented as hand-made"
            report(listed, what)
    extra = sorted(s for s in documented if s not in read)
    report(not extra, f"{label}: the guide documents only Secrets a pod reads", ", ".join(extra))


# helmValues keyVault as the Bicep sets it, parameters replaced by their defaults.
def bicep_key_vault(infra_dir):
    main = parse(Path(infra_dir) / "main.bicep")
    params = main.get("parameters", {})
    secrets = main["outputs"]["helmValues"]["value"].get("keyVault", {}).get("secrets", {})
    resolved = {
        unquote(name): {
            unquote(key): params.get(value, {}).get("default", value) if isinstance(value, str) else value
            for key, value in secret.get("objects", {}).items()
        }
        for name, secret in secrets.items()
    }
    return resolved, set(readers(main))


def check_against_bicep(defaults, example, infra_dir):
    bicep_secrets, bicep_readers = bicep_key_vault(infra_dir)
    chart = {name: secret["objects"] for name, secret in defaults["keyVault"]["secrets"].items()}
    example_secrets = {n: s.get("objects", {}) for n, s in example.get("keyVault", {}).get("secrets", {}).items()}
    for source, secrets in (("values.yaml", chart), ("infra outputs example", example_secrets)):
        faults = []
        for name in sorted(set(secrets) | set(bicep_secrets)):
            ours, theirs = secrets.get(name), bicep_secrets.get(name)
            if ours != theirs:
                faults.append(f"{name}: {source} {ours}, Bicep {theirs}")
        report(not faults, f"{source}: Secret names, keys and Key Vault secret names equal the Bicep's",
               "; ".join(faults))
    chart_readers = {s["reader"] for s in defaults["keyVault"]["secrets"].values()}
    faults = sorted(chart_readers - bicep_readers) + sorted(set(defaults["keyVault"]["clientIds"]) ^ bicep_readers)
    report(not faults, "values.yaml: every reader is a service account the Bicep federates",
           f"not federated or not in keyVault.clientIds: {faults}" if faults else "")


def load_render(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]


def main(chart_dir, crd_path, infra_dir, infra_example, guide_path, render_dir):
    chart_dir, render_dir = Path(chart_dir), Path(render_dir)
    schemas = crd_schemas(crd_path)
    report(bool(schemas), f"{crd_path}: served versions", ", ".join(api for api, _ in schemas))
    defaults = load_yaml(chart_dir / "values.yaml")
    example = load_yaml(infra_example)
    for env in ("staging", "prod"):
        values = helm_merge(helm_merge(defaults, load_yaml(chart_dir / f"values-{env}.yaml")), example)
        check_key_vault_render(env, load_render(render_dir / f"rendered-{env}.yaml"), values, schemas)
    hand_made = helm_merge(
        helm_merge(helm_merge(defaults, load_yaml(chart_dir / "values-staging.yaml")), example),
        load_yaml(chart_dir / "hand-made-secrets.yaml"),
    )
    check_hand_made_render("hand-made-secrets", load_render(render_dir / "rendered-hand-made-secrets.yaml"),
                           hand_made, guide_path)
    check_against_bicep(defaults, example, infra_dir)
    return exit_status("Key Vault secret")


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
