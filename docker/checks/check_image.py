"""The rules of docker/README.md, read from a Dockerfile; scripts/check-images.sh runs it per app
before it builds and runs the images on a Docker engine (docker/tests).

usage: check_image.py DOCKERFILE SERVICE_NAME

Node 24 base images pinned to a full version, a numeric non-root USER, an exec-form CMD running
node (or tini), no ARG/ENV that looks like a secret, a runtime stage that copies only the app's
bundle from the build stage, and a build context (the root .dockerignore, the one file both
Docker's legacy builder and BuildKit read) that lets through what the build stage copies.
Prints one line per check; exits 1 when anything failed.
"""

import json
import re
import shlex
import sys
from pathlib import Path

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import failures, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PINNED_NODE = re.compile(r"^node:24\.\d+\.\d+-[a-z0-9.-]+(@sha256:[a-f0-9]{64})?$")
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|KEY|CONNECTION_STRING)", re.IGNORECASE)


class Stage:
    """One FROM ... AS name block: what the checks need of it."""

    def __init__(self, base, name):
        self.base, self.name = base, name
        self.user, self.cmd = None, None
        self.env, self.copies = {}, []


# Instructions with continuation lines joined; comments and blank lines dropped.
def instructions(text):
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            yield keyword.upper(), rest.strip()


# ENV in both forms: `ENV A=1 B=2` and the legacy `ENV A 1`.
def parse_env(rest):
    words = shlex.split(rest)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


# Stages and ARGs of a Dockerfile, as far as our Dockerfiles use instructions.
def parse(dockerfile):
    stages, args = [], []
    for keyword, rest in instructions(dockerfile.read_text(encoding="utf-8")):
        if keyword == "FROM":
            words = rest.split()
            stages.append(Stage(words[0], words[2] if len(words) > 2 else str(len(stages))))
        elif keyword == "ARG":
            args.append(rest)
        elif not stages:
            continue
        elif keyword == "ENV":
            stages[-1].env.update(parse_env(rest))
        elif keyword == "COPY":
            words = shlex.split(rest)
            flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--") and "=" in w)
            paths = [w for w in words if not w.startswith("--")]
            stages[-1].copies.append((flags.get("from"), paths[:-1], paths[-1]))
        elif keyword == "USER":
            stages[-1].user = rest
        elif keyword == "CMD":
            stages[-1].cmd = json.loads(rest) if rest.startswith("[") else rest
    return stages, args


# The rules every image of ours follows (docker/README.md).
def check_rules(stages, args, service, label):
    runtime = stages[-1]
    unpinned = [s.base for s in stages if not PINNED_NODE.match(s.base)]
    what = f"{label}: every stage is Node 24 pinned to a full version"
    report(not unpinned, what, ", ".join(unpinned))
    user = (runtime.user or "").split(":")
    numeric = all(part.isdigit() for part in user) and user[0] not in ("", "0")
    report(numeric, f"{label}: runtime USER is a numeric non-root user", runtime.user or "none")
    exec_form = isinstance(runtime.cmd, list) and (
        runtime.cmd[:1] == ["node"] or "tini" in (runtime.cmd[0] if runtime.cmd else "")
    )
    report(exec_form, f"{label}: CMD is exec form running node", json.dumps(runtime.cmd))
    names = [a.split("=")[0] for a in args] + [n for s in stages for n in s.env]
    secret_like = [n for n in names if SECRET_NAME.search(n)]
    report(not secret_like, f"{label}: no ARG/ENV that looks like a secret", ", ".join(secret_like))
    build_names = {s.name for s in stages[:-1]}
    foreign = [
        src
        for origin, sources, _ in runtime.copies
        for src in sources
        if origin not in build_names or not src.startswith(f"/src/dist/apps/{service}/")
    ]
    report(
        bool(runtime.copies) and not foreign,
        f"{label}: runtime copies only dist/apps/{service}/ from the build stage",
        ", ".join(foreign),
    )


# The legacy builder reads only <context>/.dockerignore, and BuildKit prefers a
# <Dockerfile>.dockerignore over it: one root file, and no per-Dockerfile ones to shadow it.
def check_dockerignore(dockerfile, stage):
    shadows = Path(f"{dockerfile}.dockerignore")
    report(not shadows.exists(), f"no {shadows.name} shadowing the root .dockerignore")
    ignore = REPO / ".dockerignore"
    if not ignore.exists():
        report(False, ".dockerignore exists at the repository root")
        return
    lines = ignore.read_text("utf-8").splitlines()
    allowed = {line[1:].removesuffix("/**") for line in lines if line.startswith("!")}
    sources = [src.rstrip("/") for origin, srcs, _ in stage.copies if origin is None for src in srcs]
    blocked = [src for src in sources if src not in allowed]
    report(not blocked, ".dockerignore lets through what the build stage copies", ", ".join(blocked))


def main(dockerfile, service):
    dockerfile = Path(dockerfile)
    stages, args = parse(dockerfile)
    check_rules(stages, args, service, dockerfile.name)
    check_dockerignore(dockerfile, stages[0])
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
