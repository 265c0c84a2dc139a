#!/usr/bin/env bash
# The guide's steps for the whole lab as one plain shell script: the baseline the
# benchmark times against site.yml on an identical fresh lab. Like site.yml, it reaches
# docker01-03 over SSH as root with the lab's key, and with the SSH options Ansible uses
# by default (a master connection per host kept for 60 s, compression). Same end state as
# site.yml with inventory/group_vars/: Debian's docker.io on each host (installed on the
# three at once, the one slow step; the rest goes host by host), registry.me:5000
# (TLS + htpasswd) on docker01, nginx.me (the guide's registry.conf) on docker03,
# docker01-03 trusting the CA, using the mirror and logged in to both.
# Usage: lab.sh WORKDIR USER PASSWORD MIRROR_URL
# DOCKERLAB_LAB_DIR: where the lab's key and known_hosts are (tests/lab/inventory.yml).
set -euo pipefail
work=$1 user=$2 password=$3 mirror=$4
here=$(cd "$(dirname "$0")" && pwd)
installs=()
lab=${DOCKERLAB_LAB_DIR:-/var/tmp/dockerlab}
ssh_options=(-i "$lab/id_ed25519" -o UserKnownHostsFile="$lab/known_hosts" -o StrictHostKeyChecking=yes
             -o BatchMode=yes -C -o ControlMaster=auto -o ControlPersist=60s -o ControlPath="$work/ssh-%h")
address() { echo "192.168.99.$((60 + 10#${1#docker}))"; }   # the lab's plan: dockerNN at .(60+NN)
on() { local host=$1; shift; ssh "${ssh_options[@]}" "root@$(address "$host")" "set -eu; $*"; }
put() { scp -q "${ssh_options[@]}" "$2" "root@$(address "$1"):$3"; }

# CA host (this machine): the CA and the two server certificates, with openssl.
mkdir -p "$work" && cd "$work"
openssl req -x509 -newkey rsa:4096 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=dockerlab guide CA" 2>/dev/null
for name in registry.me nginx.me; do
  openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out $name.crt \
    -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' $name) 2>/dev/null
done
# The guide makes the file with `htpasswd -B`, whose bcrypt cost is 5.
hash=$(python3 -c 'import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(5)).decode())' "$password")
printf '%s:%s\n' "$user" "$hash" > htpasswd

# docker01-03 first (the mirror is where registry:2 and nginx come from): Debian's engine,
# installed on the three at once; then, host by host, trust the CA, merge the mirror
# into daemon.json and reload dockerd. A configuration file the host already has (such as
# containerd's config.toml) is kept, as Ansible's apt module does.
for host in docker01 docker02 docker03; do
  on $host 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends' \
    '-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold docker.io >/dev/null' &
  installs+=($!)
done
for pid in "${installs[@]}"; do wait "$pid"; done   # each one's status (a bare `wait` returns 0)
for host in docker01 docker02 docker03; do
  for endpoint in registry.me:5000 nginx.me; do
    on $host mkdir -p /etc/docker/certs.d/$endpoint
    put $host ca.crt /etc/docker/certs.d/$endpoint/ca.crt
  done
  put $host ca.crt /usr/local/share/ca-certificates/dockerlab-guide-ca.crt
  on $host 'update-ca-certificates >/dev/null 2>&1'
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
  on $host systemctl reload docker
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
    printf '%s' "$password" | on $host docker login -u "$user" --password-stdin $endpoint >/dev/null
  done
done
for host in docker01 docker02 docker03; do ssh "${ssh_options[@]}" -O exit "root@$(address $host)" 2>/dev/null || true; done
echo "guide script: lab up"
