#!/usr/bin/env bash
# Deployment checks that need no Docker engine (called from .ci/run; runs on its own too).
#
#  1. tools: installs nginx, docker-compose (v1, Python) and openssl with apt-get when missing;
#  2. compose: `docker-compose config -q` of docker-compose.yml alone and merged with the dev override, with
#     a throwaway env file made by scripts/docker/generate-env.sh (random values, in a temp dir; the real .env
#     is never read), then static rules on the resolved configuration (only nginx publishes ports, and only
#     80/443; postgres/redis/waha unpublished; worker scalable; healthchecks; depends_on conditions;
#     internal network; every ${VAR} documented in .env.example; .env git-ignored);
#  3. Dockerfiles: every COPY source exists and is not excluded by .dockerignore, the images' entry points
#     exist in the build output (backend/dist after `npm run build`), non-root USER and HEALTHCHECK present;
#  4. nginx -t on an UNMODIFIED copy of nginx/ (nginx.conf + includes/, with the system mime.types and a
#     throwaway self-signed certificate in certs/). Upstream names need no local resolution: nginx.conf
#     reaches `api` through `resolver 127.0.0.11` + variables, resolved per request, never at load time;
#  5. nginx behaviour: a second copy whose ONLY changes are listen ports (127.0.0.1 + free high ports), the
#     upstream `api:3000` -> 127.0.0.1:<stub port> and the static root -> a temp dir, started for real and
#     probed by .ci/checks/nginx-smoke.mjs (redirect, headers, SPA fallback, /api/ prefix stripping,
#     webhook path blocked, body limit, WebSocket upgrade).
#
# Cannot check without an engine: image builds, container start-up, healthchecks at run time, networking.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"

say() { printf '  %s\n' "$*"; }
fail() {
  printf '  FAIL: %s\n' "$*" >&2
  exit 1
}

work="$(mktemp -d /tmp/deploy-check.XXXXXX)"
nginx_pid=''
cleanup() {
  if [[ -n "$nginx_pid" ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- 1. tools ---------------------------------------------------------------------------------------------
echo "deploy check 1/5: tools"
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if ((${#missing[@]})); then
  say "installing with apt-get: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "$(nginx -v 2>&1), $(docker-compose version --short 2>/dev/null || docker-compose --version), $(openssl version | cut -d' ' -f1-2)"

# --- 2. compose -------------------------------------------------------------------------------------------
echo "deploy check 2/5: docker compose configuration"
env_file="$work/throwaway.env"
scripts/docker/generate-env.sh --output "$env_file" >/dev/null
# A clean environment: no variable of this shell may stand in for a missing one in the env file.
compose() { env -i PATH="$PATH" HOME="$work" docker-compose --project-directory "$root" --env-file "$env_file" "$@"; }
compose -f docker-compose.yml config -q || fail "docker-compose.yml does not validate"
say "ok   docker-compose -f docker-compose.yml config -q"
compose -f docker-compose.yml -f docker-compose.override.yml config -q || fail "docker-compose.yml + override do not validate"
say "ok   docker-compose -f docker-compose.yml -f docker-compose.override.yml config -q"
compose -f docker-compose.yml config >"$work/prod.yml"
compose -f docker-compose.yml -f docker-compose.override.yml config >"$work/dev.yml"

# A missing required secret must stop compose with the variable's name.
grep -v '^POSTGRES_PASSWORD=' "$env_file" >"$work/missing.env"
if env -i PATH="$PATH" HOME="$work" docker-compose --project-directory "$root" --env-file "$work/missing.env" \
  -f docker-compose.yml config -q 2>"$work/missing.err"; then
  fail "compose accepted an env file without POSTGRES_PASSWORD"
fi
grep -q POSTGRES_PASSWORD "$work/missing.err" || fail "missing POSTGRES_PASSWORD not named in the error"
say "ok   a missing required secret (POSTGRES_PASSWORD) is refused by name"

python3 - "$work/prod.yml" "$work/dev.yml" <<'PY' || fail "compose rules"
import re, subprocess, sys, yaml

prod = yaml.safe_load(open(sys.argv[1]))
dev = yaml.safe_load(open(sys.argv[2]))
problems = []
def rule(ok, text):
    print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    if not ok:
        problems.append(text)

s = prod["services"]
expected = {"postgres", "redis", "waha", "migrate", "api", "worker", "nginx"}
rule(expected <= set(s), f"services {sorted(expected)} present")
published = {name: svc.get("ports") for name, svc in s.items() if svc.get("ports")}
rule(set(published) == {"nginx"}, f"only nginx publishes ports (publishing: {sorted(published)})")
targets = sorted(int(p["target"] if isinstance(p, dict) else str(p).split(":")[-1].split("/")[0]) for p in s["nginx"].get("ports", []))
rule(targets == [80, 443], f"nginx publishes 80 and 443 only ({targets})")
for name in ("postgres", "redis", "waha"):
    rule(not s[name].get("ports") and not s[name].get("expose"), f"{name} not published")
w = s["worker"]
rule("container_name" not in w and not w.get("ports"), "worker scalable (no container_name, no ports)")
rule(w.get("command") == ["node", "dist/worker.js"], "worker runs node dist/worker.js")
rule(s["migrate"].get("command") == ["node", "dist/database/migrate.js"], "migrate runs node dist/database/migrate.js")
rule(s["api"].get("image") == w.get("image") == s["migrate"].get("image"), "api, worker and migrate share one image")
for name in ("api", "worker"):
    dep = s[name].get("depends_on", {})
    rule(dep.get("migrate", {}).get("condition") == "service_completed_successfully", f"{name} waits for migrate to complete")
    rule(dep.get("postgres", {}).get("condition") == "service_healthy" and dep.get("redis", {}).get("condition") == "service_healthy", f"{name} waits for healthy postgres and redis")
rule(s["nginx"].get("depends_on", {}).get("api", {}).get("condition") == "service_healthy", "nginx waits for a healthy api")
for name in ("postgres", "redis", "waha", "api", "worker", "nginx"):
    hc = s[name].get("healthcheck", {})
    rule(bool(hc.get("test")) and not hc.get("disable"), f"{name} has a healthcheck")
rule("/ping" in " ".join(s["waha"]["healthcheck"]["test"]), "waha healthcheck uses GET /ping")
api_env = s["api"]["environment"]
for key, value in {"WORKERS_IN_PROCESS": "false", "TRUST_PROXY": "true", "WAHA_URL": "http://waha:3000", "WAHA_WEBHOOK_URL": "http://api:3000/webhooks/waha"}.items():
    rule(str(api_env.get(key)) == value, f"api {key}={value}")
rule("sha512:" in str(s["waha"]["environment"].get("WAHA_API_KEY")), "WAHA gets the sha512: form of its API key")
rule(str(s["waha"]["environment"].get("WHATSAPP_DEFAULT_ENGINE")) == "GOWS", "WAHA engine GOWS")
rule("WHATSAPP_SESSIONS_POSTGRESQL_URL" in s["waha"]["environment"], "WAHA session storage URL set")
redis_cmd = " ".join(s["redis"].get("command") or [])
for flag in ("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction", "--requirepass"):
    rule(flag in redis_cmd, f"redis {flag}")
nets = prod.get("networks", {})
rule(any(n.get("internal") for n in nets.values()), "an internal network exists")
internal = [k for k, n in nets.items() if n.get("internal")]
for name in ("postgres", "redis", "worker", "migrate"):
    rule(set(s[name].get("networks", {})) <= set(internal), f"{name} only on the internal network")
rule(set(s["nginx"].get("networks", {})).isdisjoint(internal), "nginx not on the internal network")
rule(any("/docker-entrypoint-initdb.d" in str(v) for v in s["postgres"].get("volumes", [])), "postgres init scripts mounted")

d = dev["services"]
rule(d["waha-emulator"].get("profiles") == ["emulator"], "dev: WAHA emulator behind the `emulator` profile")
rule(d["waha"].get("profiles") == ["waha"], "dev: real WAHA behind the `waha` profile")
dev_ports = {n: [str(p) for p in v.get("ports", [])] for n, v in d.items() if v.get("ports")}
rule(all(n in dev_ports for n in ("api", "postgres", "redis", "waha-emulator", "nginx")), f"dev: ports published for {sorted(dev_ports)}")

# Every ${VAR} used by the compose files is documented in .env.example.
used = set()
for f in ("docker-compose.yml", "docker-compose.override.yml"):
    used |= set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", open(f).read()))
documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", open(".env.example").read(), re.M))
rule(used <= documented, f"every compose variable is in .env.example (missing: {sorted(used - documented)})")
lines = open(".env.example").read().splitlines()
uncommented = [re.match(r"([A-Z0-9_]+)=", l).group(1) for i, l in enumerate(lines) if re.match(r"[A-Z][A-Z0-9_]*=", l) and not (i and lines[i - 1].startswith("#"))]
rule(not uncommented, f"every .env.example variable has a comment (missing: {uncommented})")
secretish = [l for l in lines if re.match(r"[A-Z0-9_]*(PASSWORD|SECRET|API_KEY)[A-Z0-9_]*=.+", l)]
rule(not secretish, f".env.example holds no secret values ({secretish})")

def ignored(path):
    return subprocess.run(["git", "check-ignore", "-q", path]).returncode == 0
try:
    rule(ignored(".env") and not ignored(".env.example"), ".env git-ignored, .env.example tracked")
except FileNotFoundError:
    print("  skip git not installed: .env ignore rule not checked")
sys.exit(1 if problems else 0)
PY

# --- 3. Dockerfiles --------------------------------------------------------------------------------------
echo "deploy check 3/5: Dockerfiles (static; no engine to build them)"
python3 .ci/checks/dockerfiles.py || fail "Dockerfiles"

# --- 4. nginx -t ------------------------------------------------------------------------------------------
echo "deploy check 4/5: nginx -t on the real configuration"
conf="$work/nginx-test"
mkdir -p "$conf/certs"
cp nginx/nginx.conf "$conf/"
cp -r nginx/includes "$conf/"
[[ -e "$conf/mime.types" ]] || cp /etc/nginx/mime.types "$conf/"
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$conf/certs/privkey.pem" -out "$conf/certs/fullchain.pem" >/dev/null 2>&1
cmp -s nginx/nginx.conf "$conf/nginx.conf" || fail "the nginx -t copy differs from nginx/nginx.conf"
nginx -t -q -p "$conf/" -c "$conf/nginx.conf" -e stderr -g "pid $work/nginx-t.pid;" 2>"$work/nginx-t.log" || {
  cat "$work/nginx-t.log" >&2
  fail "nginx -t"
}
say "ok   nginx -t -c <copy of nginx/nginx.conf> (unmodified; upstreams resolved at request time, self-signed cert)"
sh -n nginx/entrypoint.sh || fail "nginx/entrypoint.sh syntax"
bash -n scripts/postgres-init/10-waha-database.sh || fail "postgres init script syntax"
say "ok   sh -n nginx/entrypoint.sh, bash -n scripts/postgres-init/10-waha-database.sh"

# --- 5. nginx behaviour -----------------------------------------------------------------------------------
echo "deploy check 5/5: nginx behaviour (config copy on 127.0.0.1, api:3000 -> stub upstream)"
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
http_port="$(free_port)"
https_port="$(free_port)"
stub_port="$(free_port)"
run="$work/nginx-run"
cp -r "$conf" "$run"
mkdir -p "$run/html/assets"
printf '<!doctype html><title>smoke-index</title>\n' >"$run/html/index.html"
head -c 4096 /dev/zero | tr '\0' 'a' | sed 's/^/console.log("/; s/$/");/' >"$run/html/assets/app-abc123.js"
chmod -R a+rX "$work"
sed -i \
  -e "s|listen 80 default_server;|listen 127.0.0.1:${http_port} default_server;|" \
  -e "s|listen 443 ssl http2 default_server;|listen 127.0.0.1:${https_port} ssl http2 default_server;|" \
  -e "s|set \$api_upstream api:3000;|set \$api_upstream 127.0.0.1:${stub_port};|" \
  -e "s|root /usr/share/nginx/html;|root ${run}/html;|" \
  "$run/nginx.conf"
changed="$(diff "$conf/nginx.conf" "$run/nginx.conf" | grep -c '^>' || true)"
[[ "$changed" == 4 ]] || fail "expected exactly 4 substituted lines in the behaviour copy, got $changed"
nginx -p "$run/" -c "$run/nginx.conf" -e stderr -g "daemon off; pid $work/nginx-run.pid;" >"$work/nginx-run.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 50); do
  (echo >"/dev/tcp/127.0.0.1/$https_port") 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || {
    cat "$work/nginx-run.log" >&2
    fail "nginx did not start"
  }
  sleep 0.1
done
node .ci/checks/nginx-smoke.mjs "$http_port" "$https_port" "$stub_port" || {
  tail -n 20 "$work/nginx-run.log" >&2
  fail "nginx behaviour"
}

echo "deploy checks passed"
