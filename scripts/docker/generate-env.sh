#!/usr/bin/env bash
# Writes an env file for docker-compose.yml from .env.example: every empty value gets a fresh random secret
# (hex, URL-safe), WAHA_API_KEY_SHA512 is derived from WAHA_API_KEY, everything else keeps its default.
#
#   scripts/docker/generate-env.sh                 # writes ./.env (refuses to overwrite an existing one)
#   scripts/docker/generate-env.sh --output FILE   # writes FILE (used by .ci/checks/deploy.sh for a throwaway env)
#   scripts/docker/generate-env.sh --force         # overwrite ./.env (new secrets: see docs/deployment.md first)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
example="$root/.env.example"
output="$root/.env"
force=false
while (($#)); do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --force) force=true; shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [[ -e "$output" && "$force" != true ]]; then
  echo "$output exists; not overwriting it (use --force to replace its secrets)" >&2
  exit 1
fi

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
waha_key=''
while IFS= read -r line || [[ -n "$line" ]]; do
  if [[ "$line" =~ ^([A-Z][A-Z0-9_]*)=$ ]]; then
    name="${BASH_REMATCH[1]}"
    case "$name" in
      WAHA_API_KEY_SHA512) line="$name=__WAHA_API_KEY_SHA512__" ;;
      PLATFORM_ADMIN_PASSWORD) line="$name=Pa-$(random_hex | cut -c1-24)" ;;
      WAHA_API_KEY) waha_key="$(random_hex)"; line="$name=$waha_key" ;;
      *) line="$name=$(random_hex)" ;;
    esac
  fi
  printf '%s\n' "$line" >>"$tmp"
done <"$example"

if [[ -z "$waha_key" ]]; then
  echo "WAHA_API_KEY has a value in .env.example; expected it empty" >&2
  exit 1
fi
hash="sha512:$(printf %s "$waha_key" | sha512sum | cut -d' ' -f1)"
sed -i "s/__WAHA_API_KEY_SHA512__/$hash/" "$tmp"

umask 077
cp "$tmp" "$output"
chmod 600 "$output"
echo "wrote $output ($(grep -c '=' "$output") variables; secrets are random, keep the file private)"
