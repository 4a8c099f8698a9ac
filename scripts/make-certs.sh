#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes a CA, a server certificate and a client certificate for berthd's
# --tlsverify, with the file names dockerd and the docker CLI use:
#
#   scripts/make-certs.sh DIR [NAME-OR-IP...]
#
#   DIR/ca.pem, DIR/ca-key.pem      the CA (keep ca-key.pem private)
#   DIR/server-cert.pem, DIR/server-key.pem
#                                   for berthd: --tlscacert DIR/ca.pem
#                                   --tlscert DIR/server-cert.pem
#                                   --tlskey DIR/server-key.pem
#   DIR/cert.pem, DIR/key.pem       for the client, with DIR/ca.pem: point
#                                   DOCKER_CERT_PATH at DIR (docker --tlsverify)
#
# The server certificate is valid for every NAME-OR-IP given (default:
# localhost, 127.0.0.1 and this host's name). ECDSA P-256 keys, 825 days.
# Existing files in DIR are never overwritten.
set -euo pipefail

usage() { sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ "$#" -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
dir=$1
shift
command -v openssl >/dev/null || { echo "make-certs: openssl is not installed" >&2; exit 1; }
names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(localhost 127.0.0.1 "$(hostname)")

mkdir -p "$dir"
for f in ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem; do
	if [ -e "$dir/$f" ]; then
		echo "make-certs: $dir/$f exists; remove it first or use another directory" >&2
		exit 1
	fi
done
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

san=""
for n in "${names[@]}"; do
	if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
done
san=${san%,}

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key "$dir/ca-key.pem"
openssl req -new -x509 -days 825 -key "$dir/ca-key.pem" -subj "/CN=berth CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out "$dir/ca.pem"

key "$dir/server-key.pem"
openssl req -new -key "$dir/server-key.pem" -subj "/CN=${names[0]}" -out "$tmp/server.csr"
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
	"$san" >"$tmp/server.ext"
openssl x509 -req -days 825 -in "$tmp/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
	-CAcreateserial -CAserial "$tmp/ca.srl" -extfile "$tmp/server.ext" \
	-out "$dir/server-cert.pem" 2>/dev/null

key "$dir/key.pem"
openssl req -new -key "$dir/key.pem" -subj "/CN=client" -out "$tmp/client.csr"
printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$tmp/client.ext"
openssl x509 -req -days 825 -in "$tmp/client.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
	-CAserial "$tmp/ca.srl" -extfile "$tmp/client.ext" -out "$dir/cert.pem" 2>/dev/null

chmod 0444 "$dir/ca.pem" "$dir/server-cert.pem" "$dir/cert.pem"
chmod 0400 "$dir/ca-key.pem" "$dir/server-key.pem" "$dir/key.pem"
echo "made in $dir: ca.pem, server-cert.pem + server-key.pem (for ${names[*]}), cert.pem + key.pem (client)"
