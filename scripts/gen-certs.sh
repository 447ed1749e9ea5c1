#!/bin/sh
# Writes a CA and server certificates for a test mesh (PEM, EC P-256), with openssl:
#   scripts/gen-certs.sh DIR [NAME ...]          (NAME defaults to "server")
# DIR/ca.pem, DIR/ca.key      the mesh CA (created once; reused when DIR already has one)
# DIR/NAME.pem, DIR/NAME.key  a certificate the CA signed, for localhost, 127.0.0.1 and NAME, good for
#                             TLS servers and clients (mesh links use it both ways); issued anew, with
#                             a new serial, every time (so running it again replaces a certificate)
# Set CERT_HOSTS="host1,host2" to add more names (DNS) to each certificate.
set -eu
dir=${1:?usage: gen-certs.sh DIR [NAME ...]}
shift
[ $# -gt 0 ] || set -- server
command -v openssl >/dev/null || { echo "gen-certs.sh needs openssl" >&2; exit 1; }
mkdir -p "$dir"
if [ ! -f "$dir/ca.pem" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=ActivityStreamer test CA $(date +%s)" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"
fi
for name in "$@"; do
  san="DNS:localhost,IP:127.0.0.1,DNS:$name"
  for h in $(echo "${CERT_HOSTS:-}" | tr ',' ' '); do san="$san,DNS:$h"; done
  ext=$(mktemp)
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$san" > "$ext"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key.tmp" 2>/dev/null
  openssl req -new -key "$dir/$name.key.tmp" -subj "/CN=$name" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 825 -sha256 -extfile "$ext" -out "$dir/$name.pem.tmp" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
  # each file replaced by a rename, so a server polling them never reads half a file
  mv "$dir/$name.key.tmp" "$dir/$name.key"
  mv "$dir/$name.pem.tmp" "$dir/$name.pem"
done
echo "wrote $dir/ca.pem and $(for n in "$@"; do printf '%s ' "$dir/$n.pem"; done)"
