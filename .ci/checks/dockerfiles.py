#!/usr/bin/env python3
"""Static checks of the Dockerfiles (no engine to build them here), run by .ci/checks/deploy.sh from the repo root.

- every COPY source (not --from) exists in the build context (the repo root) and is not excluded by .dockerignore;
- the entry points the images run are produced by `npm run build` (checked when the build output exists);
- node stages use node:20-bookworm-slim, the app images run as the non-root user `node`, HEALTHCHECK present;
- the backend runtime stage installs production dependencies only and checks health without curl.
"""
import fnmatch
import os
import re
import shlex
import sys

problems = []


def rule(ok, text):
    print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    if not ok:
        problems.append(text)


patterns = [
    line.strip()
    for line in open(".dockerignore")
    if line.strip() and not line.strip().startswith("#")
]


def excluded(path):
    """Docker's rule, simplified: a pattern excludes a path when it matches the path or one of its parents."""
    parts = os.path.normpath(path).split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = (pattern[1:] if negate else pattern).rstrip("/")
        candidates = {pat, pat.replace("**/", "")}
        if any(fnmatch.fnmatchcase(prefix, c) for prefix in prefixes for c in candidates):
            result = not negate
    return result


IMAGES = {
    "backend/Dockerfile": {
        "outputs": ["backend/dist/main.js", "backend/dist/worker.js", "backend/dist/database/migrate.js"],
        "non_root": True,
    },
    "nginx/Dockerfile": {"outputs": ["frontend/dist/index.html"], "non_root": False},
    "scripts/docker/waha-emulator.Dockerfile": {"outputs": ["waha-emulator/dist/main.js"], "non_root": True},
}

for dockerfile, spec in IMAGES.items():
    text = open(dockerfile).read()
    logical = re.sub(r"\\\n", " ", text)
    sources = []
    for line in logical.splitlines():
        if not line.lstrip().startswith("COPY"):
            continue
        words = shlex.split(line)
        if any(w.startswith("--from") for w in words):
            continue
        sources += [w for w in words[1:-1] if not w.startswith("--")]
    bad = [s for s in sources if not os.path.exists(s) or excluded(s)]
    rule(
        sources and not bad,
        f"{dockerfile}: {len(sources)} COPY sources exist in the context"
        + (f" (missing or .dockerignored: {bad})" if bad else ""),
    )
    node_base = re.findall(r"^ARG NODE_IMAGE=(\S+)", text, re.M)
    rule(node_base == ["node:20-bookworm-slim"], f"{dockerfile}: node stages on node:20-bookworm-slim")
    rule(re.search(r"^HEALTHCHECK ", text, re.M) is not None, f"{dockerfile}: HEALTHCHECK")
    if spec["non_root"]:
        rule(re.search(r"^USER node$", text, re.M) is not None, f"{dockerfile}: runs as the non-root user node")
    for out in spec["outputs"]:
        if os.path.isdir(out.split("/dist/")[0] + "/dist"):
            rule(os.path.exists(out), f"{dockerfile}: {out} is produced by the build")
        else:
            print(f"  skip {out}: not built here (run `npm run build` first)")

backend = open("backend/Dockerfile").read()
rule("npm ci --omit=dev --workspace backend" in backend, "backend image: runtime stage has production dependencies only")
rule('CMD ["node", "dist/main.js"]' in backend, "backend image: runs the API by default")
rule("curl" not in re.sub(r"#.*", "", backend), "backend image: health check through node, no curl")
nginx = open("nginx/Dockerfile").read()
rule("nginx:1.27" in nginx and "/usr/share/nginx/html" in nginx, "nginx image: nginx 1.27 serving the portal build")
rule("ENTRYPOINT" in nginx and os.access("nginx/entrypoint.sh", os.X_OK), "nginx image: certificate entrypoint")

sys.exit(1 if problems else 0)
