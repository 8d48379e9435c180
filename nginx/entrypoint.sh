#!/bin/sh
# nginx image entrypoint: make sure a certificate exists, then exec nginx (PID 1, gets the stop signal).
#
# Certificates are read from /etc/nginx/certs/fullchain.pem + privkey.pem. Mount real ones there (for
# example ./nginx/certs:/etc/nginx/certs:ro with a Let's Encrypt fullchain/privkey). When none is there, a
# self-signed certificate for TLS_SERVER_NAME (default localhost) is generated once; with the compose
# file's `nginx-certs` volume it survives restarts, so a browser exception stays valid.
set -eu

CERT_DIR=/etc/nginx/certs
CERT="$CERT_DIR/fullchain.pem"
KEY="$CERT_DIR/privkey.pem"
NAME="${TLS_SERVER_NAME:-localhost}"

if [ ! -s "$CERT" ] || [ ! -s "$KEY" ]; then
  if [ -e "$CERT" ] || [ -e "$KEY" ]; then
    echo "entrypoint: only one of $CERT and $KEY exists; provide both or neither" >&2
    exit 1
  fi
  if ! touch "$CERT_DIR/.write-test" 2>/dev/null; then
    echo "entrypoint: no certificate in $CERT_DIR and it is read-only; mount fullchain.pem + privkey.pem" >&2
    exit 1
  fi
  rm -f "$CERT_DIR/.write-test"
  case "$NAME" in
    *[!0-9.]*) SAN="DNS:$NAME,DNS:localhost,IP:127.0.0.1" ;;
    *) SAN="IP:$NAME,DNS:localhost,IP:127.0.0.1" ;;
  esac
  echo "entrypoint: no certificate mounted, generating a self-signed one for $NAME (valid 825 days)"
  umask 077
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
    -subj "/CN=$NAME" \
    -addext "subjectAltName=$SAN" \
    -addext "keyUsage=digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$KEY" -out "$CERT" 2>/dev/null
  chmod 600 "$KEY"
  chmod 644 "$CERT"
  openssl x509 -in "$CERT" -noout -subject -enddate -fingerprint -sha256
fi

if [ "$#" -eq 0 ]; then
  set -- nginx -g 'daemon off;'
fi
exec "$@"
