"""Who may read the Key Vault, and how; check-infra.sh runs it.

usage: check_key_vault_access.py INFRA_DIR

The chart reads every deployment secret through AKS's Key Vault CSI add-on as one workload
identity per reader (helmValues keyVault.clientIds, by service account). This checks, on the
Bicep as pycep-parser reads it: every reader is a modules/identity.bicep call federated to that
service account of the release's namespace through the cluster's OIDC issuer; modules/identity.bicep
federates exactly system:serviceaccount:<namespace>:<serviceAccountName> for the token exchange
audience; every reader's principal gets Key Vault Secrets User, scoped to the vault itself, and
nothing else in main.bicep (no other role, no other principal on that assignment); and the
Key Vault secrets the deployment writes itself (storage.bicep) are written into that vault
under the names helmValues hands the chart.
Prints one line per check; exits 1 when anything failed.
"""

import sys
from pathlib import Path

from pycep import BicepParser

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

# Built-in role "Key Vault Secrets User": read secret contents, nothing else.
SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def parse(path):
    return BicepParser().parse(file_path=Path(path))


# `a.outputs.b` as pycep nests it -> ("a", "b"); None for anything else.
def module_output(node):
    if not isinstance(node, dict) or node.get("operator", {}).get("type") != "property_accessor":
        return None
    outer = node["operator"]["operands"]
    inner = outer["operand_2"]
    if not isinstance(inner, dict) or inner.get("operator", {}).get("type") != "property_accessor":
        return None
    operands = inner["operator"]["operands"]
    if operands["operand_1"] != "outputs":
        return None
    return outer["operand_1"], operands["operand_2"]


# pycep keeps the quotes of quoted object keys ('user-lookup'); the chart's keys have none.
def unquote(key):
    return str(key).strip("'")


# Every expression anywhere under a node, so a stray use of a principal is found wherever it is.
def expressions(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from expressions(value)
    elif isinstance(node, list):
        for value in node:
            yield from expressions(value)


# The readers: helmValues keyVault.clientIds, service account -> identity module symbol.
def readers(main):
    client_ids = main["outputs"]["helmValues"]["value"].get("keyVault", {}).get("clientIds", {})
    found = {}
    for account, value in client_ids.items():
        ref = module_output(value)
        found[unquote(account)] = ref[0] if ref and ref[1] == "clientId" else None
    return found


def check_identities(main, readers_by_account):
    report(bool(readers_by_account), "main.bicep helmValues names the Key Vault readers (keyVault.clientIds)")
    modules = main.get("modules", {})
    for account, symbol in readers_by_account.items():
        module = modules.get(symbol or "", {})
        params = module.get("config", {}).get("params", {})
        faults = []
        if module.get("detail", {}).get("path") != "modules/identity.bicep":
            faults.append("its client id is not a modules/identity.bicep output")
        if params.get("serviceAccountName") != account:
            faults.append(f"federated to service account {params.get('serviceAccountName')!r}")
        if module_output(params.get("oidcIssuerUrl")) != ("aks", "oidcIssuerUrl"):
            faults.append("issuer is not aks.outputs.oidcIssuerUrl")
        if params.get("namespace") != "environmentName":
            faults.append("namespace is not environmentName (the release namespace)")
        what = f"main.bicep: reader {account} is an identity federated to its service account"
        report(not faults, what, "; ".join(faults))


def check_federation(identity):
    federation = next(
        (r["config"] for r in identity.get("resources", {}).values()
         if r["type"].endswith("/federatedIdentityCredentials")), {})
    properties = federation.get("properties", {})
    faults = []
    if properties.get("subject") != "system:serviceaccount:${namespace}:${serviceAccountName}":
        faults.append(f"subject {properties.get('subject')!r}")
    if properties.get("issuer") != "oidcIssuerUrl":
        faults.append(f"issuer {properties.get('issuer')!r}")
    if properties.get("audiences") != [TOKEN_EXCHANGE_AUDIENCE]:
        faults.append(f"audiences {properties.get('audiences')!r}")
    what = "modules/identity.bicep federates system:serviceaccount:<namespace>:<serviceAccountName>"
    report(bool(federation) and not faults, what, "; ".join(faults))


# The role assignment over the reader principals in keyvault.bicep, or None.
def readers_assignment(keyvault, param_name):
    for name, resource in keyvault.get("resources", {}).items():
        loop = resource["config"].get("loop_type") or {}
        if (resource["type"] == "Microsoft.Authorization/roleAssignments"
                and loop.get("detail", {}).get("array_name") == param_name):
            return name, loop["detail"]["item_name"], resource["config"]["config"]
    return None


def check_role_assignment(main, keyvault, readers_by_account):
    modules = main.get("modules", {})
    kv_symbol = next((s for s, m in modules.items()
                      if m.get("detail", {}).get("path") == "modules/keyvault.bicep"), None)
    if kv_symbol is None:
        report(False, "main.bicep calls modules/keyvault.bicep")
        return
    module = modules[kv_symbol]
    passed = module["config"].get("params", {})
    principal_params = {
        name: [module_output(v) for v in value]
        for name, value in passed.items()
        if isinstance(value, list) and any(module_output(v) for v in value)
    }
    wanted = {(symbol, "principalId") for symbol in readers_by_account.values()}
    param_name = next((n for n, refs in principal_params.items() if set(refs) == wanted), None)
    report(param_name is not None,
           "main.bicep passes exactly the readers' principals to the Key Vault module",
           "" if param_name else f"readers {sorted(s for s, _ in wanted)}, passed {principal_params}")
    if param_name is None:
        return
    found = readers_assignment(keyvault, param_name)
    if found is None:
        report(False, f"keyvault.bicep assigns a role to each of {param_name}")
        return
    name, item, config = found
    vaults = [n for n, r in keyvault["resources"].items()
              if r["type"] == "Microsoft.KeyVault/vaults" and not r.get("existing")]
    role_id = config.get("properties", {}).get("roleDefinitionId", {})
    role_var = role_id.get("function", {}).get("parameters", {}).get("resource_name_1")
    role = keyvault.get("variables", {}).get(role_var, {}).get("value", role_var)
    faults = []
    if config.get("scope") not in vaults:
        faults.append(f"scope {config.get('scope')!r} is not the vault ({', '.join(vaults)})")
    if role != SECRETS_USER_ROLE:
        faults.append(f"role {role!r} is not Key Vault Secrets User ({SECRETS_USER_ROLE})")
    if config.get("properties", {}).get("principalId") != item:
        faults.append("principalId is not the loop's reader")
    what = f"keyvault.bicep {name}: Key Vault Secrets User for every reader, scoped to the vault"
    report(not faults, what, "; ".join(faults))
    # Least role: a reader's principal goes nowhere but that assignment.
    for symbol in readers_by_account.values():
        elsewhere = [
            f"{other}.{key}" for other, m in modules.items()
            for key, value in m["config"].get("params", {}).items()
            if (other, key) != (kv_symbol, param_name)
            and any(module_output(e) == (symbol, "principalId") for e in expressions(value))
        ]
        report(not elsewhere, f"main.bicep: {symbol}'s principal has no other role",
               ", ".join(elsewhere))


# The Key Vault secrets the deployment writes (storage.bicep) go into the vault, under the names
# helmValues gives the chart, so the chart never waits for a secret nobody writes.
def check_written_secrets(main, infra):
    helm_names = {
        value for secret in main["outputs"]["helmValues"]["value"].get("keyVault", {})
        .get("secrets", {}).values() for value in secret.get("objects", {}).values()
    }
    for symbol, module in main.get("modules", {}).items():
        path = infra / module["detail"]["path"]
        tree = parse(path)
        writes = [r["config"] for r in tree.get("resources", {}).values()
                  if r["type"] == "Microsoft.KeyVault/vaults/secrets"]
        if not writes:
            continue
        params = module["config"].get("params", {})
        faults = []
        if module_output(params.get("keyVaultName")) != ("keyVault", "name"):
            faults.append("keyVaultName is not keyVault.outputs.name")
        for write in writes:
            passed = params.get(write.get("name"))
            if passed not in helm_names:
                faults.append(f"secret {write.get('name')} = {passed!r} is not a helmValues Key Vault name")
        report(not faults, f"main.bicep {symbol}: writes its Key Vault secrets under the chart's names",
               "; ".join(faults))


def main(infra_dir):
    infra = Path(infra_dir)
    main_tree = parse(infra / "main.bicep")
    readers_by_account = readers(main_tree)
    check_identities(main_tree, readers_by_account)
    check_federation(parse(infra / "modules/identity.bicep"))
    check_role_assignment(main_tree, parse(infra / "modules/keyvault.bicep"), readers_by_account)
    check_written_secrets(main_tree, infra)
    return exit_status("Key Vault access")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
