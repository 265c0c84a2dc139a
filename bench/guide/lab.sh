#!/usr/bin/env bash
# The guide's steps for the whole lab as one plain shell script: the baseline the
# benchmark times against site.yml on an identical fresh lab. `docker exec` stands
# in for ssh. Same end state as site.yml with inventory/group_vars/: registry.me:5000
# (TLS + htpasswd) on docker01, nginx.me (the guide's registry.conf) on docker03,
# docker01-03 trusting the CA, using the mirror and logged in to both.
# Usage: lab.sh WORKDIR USER PASSWORD MIRROR_URL
set -euo pipefail
work=$1 user=$2 password=$3 mirror=$4
here=$(cd "$(dirname "$0")" && pwd)
on() { local host=$1; shift; docker exec -i "dockerlab-$host" sh -euc "$*"; }
put() { docker cp "$2" "dockerlab-$1:$3"; }

# CA host (this machine): the CA and the two server certificates, with openssl.
mkdir -p "$work" && cd "$work"
openssl req -x509 -newkey rsa:4096 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=dockerlab guide CA" 2>/dev/null
for name in registry.me nginx.me; do
  openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out $name.crt \
    -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' $name) 2>/dev/null
done
hash=$(python3 -c 'import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt()).decode())' "$password")
printf '%s:%s\n' "$user" "$hash" > htpasswd

# docker01-03 first (the mirror is where registry:2 and nginx come from): trust the CA,
# merge the mirror into daemon.json, reload dockerd.
for host in docker01 docker02 docker03; do
  for endpoint in registry.me:5000 nginx.me; do
    on $host mkdir -p /etc/docker/certs.d/$endpoint
    put $host ca.crt /etc/docker/certs.d/$endpoint/ca.crt
  done
  put $host ca.crt /usr/local/share/ca-certificates/dockerlab-guide-ca.crt
  on $host update-ca-certificates >/dev/null 2>&1
  on $host python3 - "$mirror" <<'PY'
import json, sys
path = "/etc/docker/daemon.json"
try:
    config = json.load(open(path))
except FileNotFoundError:
    config = {}
mirrors = config.setdefault("registry-mirrors", [])
if sys.argv[1] not in mirrors:
    mirrors.append(sys.argv[1])
json.dump(config, open(path, "w"), indent=2)
PY
  on $host pkill -HUP -x dockerd
  on $host 'for i in $(seq 1 60); do docker info 2>/dev/null | grep -q mirror && exit 0; sleep 0.5; done; exit 1'
done


# docker01: registry.me:5000, TLS + htpasswd (the guide's docker run).
on docker01 mkdir -p /docker/certs /docker/config/auth /docker/voldata/registry
put docker01 registry.me.crt /docker/certs/ && put docker01 registry.me.key /docker/certs/
put docker01 htpasswd /docker/config/auth/htpasswd
on docker01 docker run -d -p 5000:5000 --restart=always --name registry \
  -v /docker/config/auth:/auth -e REGISTRY_AUTH=htpasswd -e "'REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm'" \
  -e REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd -v /docker/voldata/registry:/data \
  -e REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/data -v /docker/certs:/certs \
  -e REGISTRY_HTTP_TLS_CERTIFICATE=/certs/registry.me.crt -e REGISTRY_HTTP_TLS_KEY=/certs/registry.me.key \
  registry:2 >/dev/null

# docker03: nginx.me with the guide's registry.conf in front of a registry only it reaches.
on docker03 mkdir -p /docker/config/nginx/conf /docker/voldata/registry
for f in nginx.me.crt nginx.me.key; do put docker03 $f /docker/config/nginx/conf/; done
put docker03 htpasswd /docker/config/nginx/conf/registry.password
put docker03 "$here/registry.conf" /docker/config/nginx/conf/registry.conf
on docker03 docker network create registry-proxy >/dev/null
on docker03 docker run -d --name registry --network registry-proxy --restart=always \
  -e REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/data -v /docker/voldata/registry:/data registry:2 >/dev/null
on docker03 docker run -d --name nginx --network registry-proxy -p 443:443 --restart=always \
  -v /docker/config/nginx/conf/:/etc/nginx/conf.d:ro nginx:latest >/dev/null

# Wait for both registries, then docker login on every client.
for url in https://registry.me:5000/v2/ https://nginx.me/v2/; do
  for _ in $(seq 1 60); do
    code=$(on docker02 curl -s -o /dev/null -w '%{http_code}' $url || true)
    [ "$code" = 401 ] && break
    sleep 0.5
  done
  [ "$code" = 401 ] || { echo "$url does not answer (HTTP $code)" >&2; exit 1; }
done
for host in docker01 docker02 docker03; do
  for endpoint in registry.me:5000 nginx.me; do
    printf '%s' "$password" | docker exec -i dockerlab-$host docker login -u "$user" --password-stdin $endpoint >/dev/null
  done
done
echo "guide script: lab up"
