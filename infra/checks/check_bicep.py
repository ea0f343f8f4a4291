"""Static checks of the Bicep files that a deployment would otherwise find; check-infra.sh runs it.

usage: check_bicep.py INFRA_DIR HELM_VALUES_EXAMPLE

Parses every .bicep file under INFRA_DIR with pycep-parser (the parser checkov uses) and checks:
every param and output carries a @description (AVM style); every file that loadTextContent or
loadJsonContent reads exists, fits Bicep's size limit and, if JSON, parses; every module call
passes only parameters the module declares and every parameter it requires; every
params/*.parameters.json sets only main.bicep's parameters, all the required ones, within their
@allowed values; every
`checkov:skip` names its reason; and main.bicep's `helmValues` output has exactly the shape of
HELM_VALUES_EXAMPLE, the file the chart checks render with.
Prints one line per check; exits 1 when anything failed.
"""

import json
import re
import sys
from pathlib import Path

import yaml
from pycep import BicepParser

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

SKIP = re.compile(r"checkov:skip=(CKV2?_[A-Z]+_\d+)(:\s*(.*))?")
LOAD = re.compile(r"load(Text|Json)Content\(\s*'([^']+)'")
# Bicep's limit for loadTextContent (loadJsonContent allows more; the smaller one binds both).
LOAD_LIMIT_CHARS = 131072


# The same parser checkov uses, so what passes here is what checkov reads.
def parse(path):
    return BicepParser().parse(file_path=path)


# AVM style: the @description decorator is how Bicep tooling shows a param's meaning.
def has_description(entry):
    return any(d.get("type") == "description" for d in entry.get("decorators", []))


# Operators read the params and outputs of a module from their descriptions alone.
def check_descriptions(path, tree):
    missing = [f"param {n}" for n, p in tree.get("parameters", {}).items() if not has_description(p)]
    missing += [f"output {n}" for n, o in tree.get("outputs", {}).items() if not has_description(o)]
    report(not missing, f"{path}: every param and output has a @description", ", ".join(missing))


# `bicep build` inlines these files; a missing, oversized or broken one fails only there.
def check_loaded_files(path):
    faults = []
    for match in LOAD.finditer(path.read_text(encoding="utf-8")):
        target = path.parent / match.group(2)
        if not target.is_file():
            faults.append(f"{match.group(2)} missing")
            continue
        text = target.read_text(encoding="utf-8")
        if len(text) > LOAD_LIMIT_CHARS:
            faults.append(f"{match.group(2)} has {len(text)} characters, over {LOAD_LIMIT_CHARS}")
        if match.group(1) == "Json" or target.suffix == ".json":
            try:
                json.loads(text)
            except json.JSONDecodeError as error:
                faults.append(f"{match.group(2)} is not JSON: {error}")
    report(not faults, f"{path}: every loaded file exists and fits", "; ".join(faults))


# Parameters without a default must be given by every caller.
def required_params(tree):
    return {n for n, p in tree.get("parameters", {}).items() if p.get("default") is None}


# A module call with an unknown or a missing parameter fails only at deployment time.
def check_module_calls(path, tree):
    for name, module in tree.get("modules", {}).items():
        target = path.parent / module["detail"]["path"]
        if not target.exists():
            report(False, f"{path}: module {name} exists", str(target))
            continue
        declared = parse(target).get("parameters", {})
        passed = set(module["config"].get("params", {}))
        unknown = sorted(passed - set(declared))
        missing = sorted(required_params({"parameters": declared}) - passed)
        faults = [unknown and f"unknown {unknown}", missing and f"missing {missing}"]
        detail = "; ".join(filter(None, faults))
        report(not detail, f"{path}: module {name} gets exactly its parameters", detail)


# The @allowed list of a parameter, or None when any value is accepted.
def allowed_values(param):
    for decorator in param.get("decorators", []):
        if decorator.get("type") == "allowed":
            return decorator["argument"]
    return None


# Parameter files must fit main.bicep, or `az deployment` refuses them.
def check_parameter_file(path, main):
    declared = main.get("parameters", {})
    given = json.loads(path.read_text(encoding="utf-8"))["parameters"]
    faults = [f"unknown {n}" for n in given if n not in declared]
    faults += [f"missing {n}" for n in sorted(required_params(main) - set(given))]
    for name, entry in given.items():
        allowed = allowed_values(declared.get(name, {}))
        if allowed is not None and entry.get("value") not in allowed:
            faults.append(f"{name}={entry.get('value')!r} not in {allowed}")
    report(not faults, f"{path}: fits main.bicep's parameters", "; ".join(faults))


# A skip without a reason hides a finding instead of justifying it.
def check_skips(path):
    bare = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for match in SKIP.finditer(line):
            if len((match.group(3) or "").strip()) < 20:
                bare.append(f"line {number} {match.group(1)}")
    report(not bare, f"{path}: every checkov:skip gives its reason", ", ".join(bare))


# pycep renders Bicep expressions as {"operator"|"function": ...}: leaves, not keys.
def is_expression(node):
    return isinstance(node, dict) and set(node) <= {"operator", "function"} and bool(node)


# Key paths of a nested object, Bicep expressions and scalars being leaves.
def key_paths(node, prefix=()):
    if isinstance(node, dict) and not is_expression(node):
        for key, value in node.items():
            yield from key_paths(value, prefix + (str(key).strip("'"),))
    else:
        yield ".".join(prefix)


# The chart checks render with the example; it must be what the deployment really outputs.
def check_helm_values(main, example_path):
    output = main.get("outputs", {}).get("helmValues", {}).get("value", {})
    example = yaml.safe_load(Path(example_path).read_text(encoding="utf-8"))
    bicep_paths, example_paths = set(key_paths(output)), set(key_paths(example))
    only_bicep, only_example = sorted(bicep_paths - example_paths), sorted(example_paths - bicep_paths)
    faults = [
        only_bicep and f"only in Bicep: {only_bicep}",
        only_example and f"only in example: {only_example}",
    ]
    what = f"main.bicep helmValues has the shape of {example_path}"
    report(bool(output) and not only_bicep and not only_example, what, "; ".join(filter(None, faults)))


def main(infra_dir, helm_values_example):
    infra = Path(infra_dir)
    files = sorted(infra.rglob("*.bicep"))
    report(bool(files), f"Bicep files found under {infra}", str(len(files)))
    for path in files:
        try:
            tree = parse(path)
        except Exception as error:  # the parser raises lark errors of several kinds
            report(False, f"{path}: parses", f"{type(error).__name__}: {str(error)[:300]}")
            continue
        counts = {k: len(tree.get(k, {})) for k in ("parameters", "resources", "modules", "outputs")}
        report(True, f"{path}: parses", ", ".join(f"{v} {k}" for k, v in counts.items()))
        check_descriptions(path, tree)
        check_loaded_files(path)
        check_module_calls(path, tree)
        check_skips(path)
    main_tree = parse(infra / "main.bicep")
    for params in sorted((infra / "params").glob("*.parameters.json")):
        check_parameter_file(params, main_tree)
    check_helm_values(main_tree, helm_values_example)
    return exit_status("Bicep")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
