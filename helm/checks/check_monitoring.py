"""The chart's Prometheus Operator objects (values monitoring); scripts/check-chart.sh runs it.

usage: check_monitoring.py CHART_DIR ON_RENDER RULES_OUT --values VALUES... --off OFF_RENDER...

ON_RENDER is rendered (release pchub, with the released daskhub, so the hub's Service, Deployment
and NetworkPolicy are the jupyterhub chart's own) with monitoring on and VALUES, in helm's order.
Checks: the PrometheusRule carries
the groups of files/alerts/pchub.rules.yaml unchanged (written to RULES_OUT for `promtool check
rules`); there is a ServiceMonitor for the hub and each service; each selects exactly one Service
of the release, by labels, on a port that Service names; the pods behind it are admitted, on that
port, for every metrics scraper of the values (networkPolicy.metricsScrapers) by a NetworkPolicy
that selects them; its token is hub.services.<name>.apiToken from the hub Secret, of a registered
service whose role grants read:metrics. OFF_RENDERs (monitoring off) have none of these objects.
The schemas are check_custom_resources.py's job. Prints one line per check; exits 1 when anything failed.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402
from check_values import helm_merge, load_yaml  # noqa: E402

RULES_FILE = "files/alerts/pchub.rules.yaml"
TARGETS = ("hub", "usage-monitor", "spawn-webhook", "user-lookup")
OPERATOR_KINDS = {"PrometheusRule", "ServiceMonitor"}
SERVICE_VALUES = ("usageMonitor", "spawnWebhook", "userLookup")


def load_render(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]


def of_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def selects(match_labels, labels):
    return all(labels.get(key) == value for key, value in match_labels.items())


# The container port a Service port sends to: its targetPort (a name or a number).
def target_port(service, port_name):
    port = next((p for p in service["spec"]["ports"] if p.get("name") == port_name), None)
    return None if port is None else port.get("targetPort", port.get("port"))


# Whether a NetworkPolicy rule admits `peer` to `port`: no from (anyone) or the peer itself,
# and no ports (all) or the port by name or number.
def admits(rule, peer, port, numbers):
    from_ok = not rule.get("from") or any(json.dumps(p, sort_keys=True) == peer for p in rule["from"])
    ports = rule.get("ports") or []
    port_ok = not ports or any(p.get("port") in (port, numbers.get(port)) for p in ports)
    return from_ok and port_ok


# Why the scrapers cannot reach `service`'s pods on `port` (empty list when they can).
def network_faults(service, port, policies, pods, scrapers):
    selector = service["spec"]["selector"]
    # A Service's named targetPort resolves through its pods' container ports.
    numbers = {c["name"]: c["containerPort"] for pod in pods if selects(selector, pod["labels"])
               for c in pod["ports"] if "name" in c}
    guarding = [p for p in policies if selects(p["spec"]["podSelector"].get("matchLabels", {}), selector)]
    if not guarding:
        return [f"no NetworkPolicy selects the pods of Service {service['metadata']['name']}"]
    return [f"{policy['metadata']['name']} admits no {peer} to port {port}"
            for policy in guarding for peer in scrapers
            if not any(admits(rule, peer, port, numbers) for rule in policy["spec"].get("ingress") or [])]


def check_rule(chart_dir, docs, rules_out):
    rules = of_kind(docs, "PrometheusRule")
    report(len(rules) == 1, "one PrometheusRule", ", ".join(r["metadata"]["name"] for r in rules))
    if not rules:
        return
    groups = rules[0]["spec"]["groups"]
    source = load_yaml(chart_dir / RULES_FILE)["groups"]
    report(groups == source, f"the PrometheusRule holds every group of {RULES_FILE} unchanged",
           ", ".join(g["name"] for g in groups))
    Path(rules_out).write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")


def check_monitors(docs, values):
    monitors = {m["metadata"]["name"]: m for m in of_kind(docs, "ServiceMonitor")}
    report(sorted(monitors) == sorted(TARGETS), "a ServiceMonitor for the hub and each service",
           ", ".join(sorted(monitors)))
    services = of_kind(docs, "Service")
    policies = of_kind(docs, "NetworkPolicy")
    pods = [{"labels": d["spec"]["template"]["metadata"]["labels"],
             "ports": [p for c in d["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])]}
            for d in of_kind(docs, "Deployment")]
    scrapers = sorted({json.dumps(peer, sort_keys=True) for key in SERVICE_VALUES
                       for peer in values[key]["networkPolicy"]["metricsScrapers"]})
    report(bool(scrapers), "the values name metrics scrapers", ", ".join(scrapers))
    hub = values["daskhub"]["jupyterhub"]["hub"]
    for name, monitor in sorted(monitors.items()):
        selector = monitor["spec"]["selector"]["matchLabels"]
        endpoint, = monitor["spec"]["endpoints"]
        chosen = [s for s in services if selects(selector, s["metadata"].get("labels", {}))]
        report(len(chosen) == 1, f"ServiceMonitor {name} selects one Service",
               ", ".join(s["metadata"]["name"] for s in chosen))
        if len(chosen) != 1:
            continue
        port = target_port(chosen[0], endpoint["port"])
        report(port is not None, f"ServiceMonitor {name}: Service {chosen[0]['metadata']['name']} "
               f"has a port named {endpoint['port']}")
        if port is None:
            continue
        faults = network_faults(chosen[0], port, policies, pods, scrapers)
        report(not faults, f"ServiceMonitor {name}: the NetworkPolicies admit the scrapers", "; ".join(faults))
        credentials = endpoint["authorization"]["credentials"]
        token_of = credentials["key"].removeprefix("hub.services.").removesuffix(".apiToken")
        granted = [scope for role in (hub.get("loadRoles") or {}).values()
                   if token_of in (role.get("services") or []) for scope in role.get("scopes") or []]
        report(credentials["name"] == values["hub"]["secretName"] and token_of in (hub.get("services") or {})
               and "read:metrics" in granted,
               f"ServiceMonitor {name} presents a registered service's read:metrics token", credentials["key"])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart_dir", type=Path)
    parser.add_argument("on_render")
    parser.add_argument("rules_out")
    parser.add_argument("--values", nargs="+", required=True)
    parser.add_argument("--off", nargs="+", required=True)
    args = parser.parse_args(argv)
    values = load_yaml(args.chart_dir / "values.yaml")
    for path in args.values:
        values = helm_merge(values, load_yaml(path))
    docs = load_render(args.on_render)
    check_rule(args.chart_dir, docs, args.rules_out)
    check_monitors(docs, values)
    for off in args.off:
        found = [f"{d['kind']} {d['metadata']['name']}" for d in load_render(off) if d.get("kind") in OPERATOR_KINDS]
        report(not found, f"{Path(off).name}: no Prometheus Operator objects (monitoring off)", ", ".join(found))
    return exit_status("monitoring")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
