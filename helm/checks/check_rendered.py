"""Policy checks of the chart's rendered manifests; scripts/check-chart.sh runs it.

usage: check_rendered.py CHART_DIR RENDERED_YAML...

kubernetes-validate proves each object is well formed; this proves it is what the issue asks
for: every service has its Deployment, Service, ServiceAccount and NetworkPolicy (and a
PodDisruptionBudget when it has replicas), and every pod runs hardened (numeric non-root
user, read-only root filesystem, no capabilities, no privilege escalation), with readiness on
/ready and liveness on /health, a preStop sleep and a grace period beyond it and the drain,
resources, and its hub token from a Secret; the hub's and user servers' ConfigMaps carry the
chart's files byte for byte; and the hub, proxy and Dask Gateway pods daskhub renders have the
resources our values give them, and a hardened security context and a NetworkPolicy wherever
the upstream chart lets values set them (otherwise a `note` line says what is missing).
Prints one line per check; exits 1 when anything failed.
"""

import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

SERVICES = ("usage-monitor", "spawn-webhook", "user-lookup")
# The daskhub pods whose resources, security context and network policy our values set (or could
# set): pod labels -> the values that set them. None where the upstream chart has no such value.
UPSTREAM_PODS = {
    "hub": {
        "labels": {"app": "jupyterhub", "component": "hub"},
        "security": "daskhub.jupyterhub.hub.containerSecurityContext",
        "network": "daskhub.jupyterhub.hub.networkPolicy",
    },
    "proxy": {
        "labels": {"app": "jupyterhub", "component": "proxy"},
        "security": "daskhub.jupyterhub.proxy.chp.containerSecurityContext",
        "network": "daskhub.jupyterhub.proxy.chp.networkPolicy",
    },
    **{
        f"dask-gateway {component}": {
            "labels": {"app.kubernetes.io/name": "dask-gateway", "app.kubernetes.io/component": component},
            "security": None,
            "network": None,
        }
        for component in ("gateway", "controller", "traefik")
    },
}


# What a container must have to run as the issue requires (empty list when it does).
def container_faults(container):
    faults = []
    security = container.get("securityContext", {})
    if not isinstance(security.get("runAsUser"), int) or security["runAsUser"] == 0:
        faults.append("runAsUser is not a numeric non-root user")
    if security.get("runAsNonRoot") is not True:
        faults.append("runAsNonRoot is not true")
    if security.get("readOnlyRootFilesystem") is not True:
        faults.append("root filesystem is writable")
    if security.get("allowPrivilegeEscalation") is not False:
        faults.append("privilege escalation allowed")
    if security.get("capabilities", {}).get("drop") != ["ALL"]:
        faults.append("capabilities not all dropped")
    for probe, route in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        path = container.get(probe, {}).get("httpGet", {}).get("path", "")
        if not path.endswith(route):
            faults.append(f"{probe} is not on {route}")
    resources = container.get("resources", {})
    if not resources.get("requests") or "memory" not in resources.get("limits", {}):
        faults.append("resources lack requests or a memory limit")
    env = {e["name"]: e for e in container.get("env", [])}
    token = env.get("JUPYTERHUB_API_TOKEN", {})
    if "secretKeyRef" not in token.get("valueFrom", {}):
        faults.append("JUPYTERHUB_API_TOKEN is not from a Secret")
    if "PC_ID_TOKEN" in env and "value" in env["PC_ID_TOKEN"]:
        faults.append("PC_ID_TOKEN is a literal value, not from a Secret")
    return faults


# Pod-level settings every Deployment of ours needs.
def pod_faults(pod):
    faults = shutdown_faults(pod)
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        faults.append("pod runAsNonRoot is not true")
    if pod.get("automountServiceAccountToken") is not False:
        faults.append("service account token is mounted")
    return faults


# The kubelet waits the preStop sleep, then the service drains: the grace period must outlast both
# (and the service's capped steps after them, docs/tests/shutdown.spec.ts).
def shutdown_faults(pod):
    grace = pod.get("terminationGracePeriodSeconds", 30)
    faults = []
    for container in pod["containers"]:
        sleep = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        drain = float(env.get("SHUTDOWN_DRAIN_SECONDS") or 0)
        if not isinstance(sleep, int) or sleep < 1:
            faults.append("no preStop sleep")
        elif grace <= sleep + drain:
            faults.append(f"grace {grace} s does not outlast preStop {sleep} s + drain {drain:g} s")
    return faults


# The ConfigMaps the hub mounts must hold exactly the chart's files (hook, events, templates).
def check_hub_files(objects, chart_dir, label):
    files = {
        "pre_spawn_hook.py": chart_dir / "files/hub/pre_spawn_hook.py",
        "server_events.py": chart_dir / "files/hub/server_events.py",
        "post-start.sh": chart_dir / "files/singleuser/post-start.sh",
    }
    files.update({p.name: p for p in (chart_dir / "files/hub/templates").glob("*.html")})
    rendered = {}
    for (kind, _), doc in objects.items():
        if kind == "ConfigMap":
            rendered.update(doc.get("data") or {})
    differ = [name for name, path in files.items() if rendered.get(name) != path.read_text("utf-8")]
    what = f"{label}: hub and user-server ConfigMaps hold the chart's files unchanged"
    report(not differ, what, ", ".join(differ))


# The container's effective setting: its own securityContext, else the pod's.
def effective(pod, container, key):
    return container.get("securityContext", {}).get(key, pod.get("securityContext", {}).get(key))


# What an upstream pod lacks of what the issue asks of ours (empty list when it has it all).
def upstream_security_faults(pod):
    faults = []
    for container in pod["containers"]:
        user = effective(pod, container, "runAsUser")
        if not (effective(pod, container, "runAsNonRoot") is True or (isinstance(user, int) and user > 0)):
            faults.append(f"{container['name']} may run as root")
        if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
            faults.append(f"{container['name']} allows privilege escalation")
        if container.get("securityContext", {}).get("capabilities", {}).get("drop") != ["ALL"]:
            faults.append(f"{container['name']} keeps capabilities")
    return faults


# Containers without requests or a memory limit.
def resource_faults(pod):
    return [
        f"{c['name']} lacks requests or a memory limit"
        for c in pod["containers"]
        if not c.get("resources", {}).get("requests") or "memory" not in c.get("resources", {}).get("limits", {})
    ]


# The hub, proxy and Dask Gateway pods, which daskhub renders from our values: resources always
# (our values set them), security context and network policy where the upstream chart has a
# value for them; where it has none, the line says so instead of failing.
def check_upstream_pods(docs, label):
    policies = [d["spec"] for d in docs if d["kind"] == "NetworkPolicy"]
    for name, pod_spec in UPSTREAM_PODS.items():
        found = [
            d for d in docs if d["kind"] == "Deployment"
            and pod_spec["labels"].items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
        ]
        report(len(found) == 1, f"{label}: {name} pod rendered")
        if len(found) != 1:
            continue
        template = found[0]["spec"]["template"]
        pod, labels = template["spec"], template["metadata"].get("labels", {})
        faults = resource_faults(pod)
        report(not faults, f"{label}: {name} pod has requests and a memory limit", "; ".join(faults))
        faults = upstream_security_faults(pod)
        if pod_spec["security"]:
            report(not faults, f"{label}: {name} pod is hardened ({pod_spec['security']})", "; ".join(faults))
        else:
            print(f"note {label}: {name} pod: no securityContext value upstream: {'; '.join(faults)}")
        selected = [
            p for p in policies
            if p.get("podSelector", {}).get("matchLabels", {}).items() <= labels.items() and p.get("ingress")
        ]
        if pod_spec["network"]:
            report(bool(selected), f"{label}: {name} pod is behind a NetworkPolicy ({pod_spec['network']})")
        else:
            print(f"note {label}: {name} pod: no NetworkPolicy value upstream, none rendered")


def check_file(chart_dir, path):
    docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]
    objects = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    label = Path(path).stem
    for service in SERVICES:
        for kind in ("Deployment", "Service", "ServiceAccount", "NetworkPolicy"):
            report((kind, service) in objects, f"{label}: {kind} {service} rendered")
        deployment = objects.get(("Deployment", service))
        if not deployment:
            continue
        replicas = deployment["spec"]["replicas"]
        has_pdb = ("PodDisruptionBudget", service) in objects
        what = f"{label}: {service} has a PodDisruptionBudget iff replicas > 1"
        report(has_pdb == (replicas > 1), what)
        pod = deployment["spec"]["template"]["spec"]
        faults = pod_faults(pod)
        for container in pod["containers"]:
            faults += container_faults(container)
        report(not faults, f"{label}: {service} pod is hardened", "; ".join(faults))
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    open_policies = [p["metadata"]["name"] for p in policies if not p["spec"].get("ingress")]
    what = f"{label}: every NetworkPolicy names its ingress sources"
    report(not open_policies, what, ", ".join(open_policies))
    identity = objects.get(("ServiceAccount", "spawn-webhook"), {}).get("metadata", {})
    report(
        bool(identity.get("annotations", {}).get("azure.workload.identity/client-id")),
        f"{label}: spawn-webhook's ServiceAccount names its workload identity",
    )
    webhook = objects.get(("Deployment", "spawn-webhook"))
    if webhook:
        env = {
            e["name"]: e.get("value")
            for c in webhook["spec"]["template"]["spec"]["containers"]
            for e in c.get("env", [])
        }
        # Only production credentials: no az/pwsh/azd processes started in the pod after a refusal.
        report(
            env.get("AZURE_TOKEN_CREDENTIALS") == "prod",
            f"{label}: spawn-webhook's credential chain is limited to production credentials",
        )
    check_hub_files(objects, chart_dir, label)
    check_upstream_pods(docs, label)


def main(chart_dir, *paths):
    for path in paths:
        check_file(Path(chart_dir), path)
    return exit_status("rendered-manifest")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
