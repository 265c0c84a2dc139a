#!/bin/bash
# The lab's object store (objectstore.recipe): redis-server and SeaweedFS's `weed server`
# (master, volume server, filer and the S3 gateway on :8333) side by side, as a user's
# S3 service and redis would be. Settings come from the environment:
#   S3_ACCESS_KEY, S3_SECRET_KEY  the one S3 identity (required: a real store wants keys)
#   REDIS_PASSWORD                redis's requirepass (none when unset or empty)
# Data lives in /data (a volume). When either server ends, the other is stopped and the
# container ends with the first one's status, so Docker's restart policy restarts both.
set -euo pipefail

: "${S3_ACCESS_KEY:?S3_ACCESS_KEY must be set}" "${S3_SECRET_KEY:?S3_SECRET_KEY must be set}"

# A value inside double quotes, for JSON and redis.conf alike (both take \\ and \").
quote() {
  local value=${1//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}

umask 077
cat >/etc/seaweedfs/s3.json <<JSON
{
  "identities": [
    {
      "name": "lab",
      "credentials": [{"accessKey": $(quote "$S3_ACCESS_KEY"), "secretKey": $(quote "$S3_SECRET_KEY")}],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
JSON
umask 022

# redis as the registry's blob descriptor cache: nothing to persist. Its configuration
# comes on stdin (`redis-server -`), so the password is on no command line; it runs as
# Debian's redis user.
redis_conf="bind 0.0.0.0
port 6379
protected-mode no
daemonize no
logfile \"\"
dir /var/lib/redis
save \"\"
appendonly no"
if [ -n "${REDIS_PASSWORD:-}" ]; then
  redis_conf+=$'\n'"requirepass $(quote "$REDIS_PASSWORD")"
fi
setpriv --reuid=redis --regid=redis --init-groups redis-server - <<<"$redis_conf" &
redis=$!

# One node with everything on loopback but the S3 gateway: the node's address does not
# change when the container's does (the master keeps it in /data), and only S3 is served.
# Volumes of at most 256 MB, grown one at a time (the master's default grows 7 per
# collection) and as many as the disk has room for (-volume.max=0): the store fits a
# small disk. No buckets made on upload (as on a real S3: the bucket must exist); keys
# only from s3.json (no IAM API: without an STS signing key it logs an error at every
# start); no telemetry (the lab is offline), no Iceberg or Lance catalog ports. A single
# node has nobody to hand over to or to wait for: no wait before the volume server stops,
# and a 1 s election timeout (with the default 10 s, a restarted master kept S3 away for
# about 15 s before it led again; with 1 s, about 4 s as at the first start).
export WEED_MASTER_VOLUME_GROWTH_COPY_1=1
mkdir -p /data
weed server -dir=/data -ip=127.0.0.1 -s3.ip.bind=0.0.0.0 \
  -master.volumeSizeLimitMB=256 -volume.max=0 -volume.preStopSeconds=0 -master.electionTimeout=1s \
  -master.telemetry=false -s3 -s3.port=8333 -s3.config=/etc/seaweedfs/s3.json -s3.autoCreateBucket=false -s3.iam=false \
  -s3.port.iceberg=0 -s3.port.lance=0 &
weed=$!

# docker stop: both get SIGTERM (the filer takes up to 15 s to end its streams).
trap 'kill -TERM "$redis" "$weed" 2>/dev/null || true' TERM INT
set +e
wait -n "$redis" "$weed"
status=$?
kill -TERM "$redis" "$weed" 2>/dev/null
wait
exit "$status"
