#!/bin/bash
# Makes a test CA and the server, admin and agent certificates signed by
# it, laid out as DAOS expects them (copy them to /etc/daos/certs):
#   <dir>/daosCA/certs/daosCA.crt       the CA certificate (everyone)
#   <dir>/daosCA/private/daosCA.key     the CA key (keep it away from nodes)
#   <dir>/daosCA/certs/server.{crt,key} daos_server   (key mode 0400)
#   <dir>/daosCA/certs/admin.{crt,key}  dmg            (key mode 0400)
#   <dir>/daosCA/certs/agent.{crt,key}  daos_agent     (key mode 0400)
# The certificate's common name names the component. For testing and
# small sites; a production site should use its own CA.
# Usage: gen_certificates.sh [dir]   (default: the current directory)
set -euo pipefail

dir=${1:-.}
ca_dir="$dir/daosCA"
days=${DAOS_CERT_DAYS:-1095}

command -v openssl >/dev/null || { echo "gen_certificates.sh: openssl is needed" >&2; exit 1; }

mkdir -p "$ca_dir/certs" "$ca_dir/private"
chmod 0700 "$ca_dir/private"

if [ ! -f "$ca_dir/private/daosCA.key" ]; then
	openssl genrsa -out "$ca_dir/private/daosCA.key" 3072 2>/dev/null
	chmod 0400 "$ca_dir/private/daosCA.key"
	openssl req -new -x509 -key "$ca_dir/private/daosCA.key" -sha256 -days "$days" \
		-subj "/O=DAOS/CN=DAOS CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$ca_dir/certs/daosCA.crt"
	chmod 0644 "$ca_dir/certs/daosCA.crt"
fi

ext=$(mktemp)
trap 'rm -f "$ext"' EXIT

for component in server admin agent; do
	key="$ca_dir/certs/$component.key"
	crt="$ca_dir/certs/$component.crt"
	csr="$ca_dir/certs/$component.csr"
	rm -f "$key" "$crt"
	openssl genrsa -out "$key" 3072 2>/dev/null
	chmod 0400 "$key"
	openssl req -new -key "$key" -subj "/O=DAOS/CN=$component" -out "$csr"
	cat >"$ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$component
EXT
	openssl x509 -req -in "$csr" -CA "$ca_dir/certs/daosCA.crt" -CAkey "$ca_dir/private/daosCA.key" \
		-CAcreateserial -sha256 -days "$days" -extfile "$ext" -out "$crt" 2>/dev/null
	chmod 0644 "$crt"
	rm -f "$csr"
done
rm -f "$ca_dir/certs/daosCA.srl"

echo "Certificates are in $ca_dir/certs (CA key in $ca_dir/private)."
echo "Servers need daosCA.crt and server.{crt,key}; dmg hosts daosCA.crt and admin.{crt,key};"
echo "client nodes daosCA.crt and agent.{crt,key}; put the agent.crt of clients in client_cert_dir."
