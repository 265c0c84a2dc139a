#!/usr/bin/env bash
# Runs on a lab host (docker02): moves blobs through one registry endpoint with the
# registry API and curl, so nothing is compressed and the figure is the server side's.
# Prints one JSON object per measurement.
#   client.sh prepare                       # random data in /tmp/bench (1 GiB blob, 100 x 1 MiB blobs)
#   client.sh ENDPOINT_URL USER PASS RUN    # push + pull 1 GiB, 8 concurrent pulls, push + pull 100 small
#                                           # (BENCH_MEASURES: some of them)
# USER and PASS may be "-" for a registry without authentication.
set -euo pipefail
data=/tmp/bench
small_count=${BENCH_SMALL_COUNT:-100}
big_mb=${BENCH_BIG_MB:-1024}

if [ "$1" = prepare ]; then
  mkdir -p "$data/small"
  [ -s "$data/big" ] || head -c $((big_mb * 1048576)) /dev/urandom > "$data/big"
  sha256sum "$data/big" | cut -d' ' -f1 > "$data/big.sha256"
  for i in $(seq 1 $small_count); do
    [ -s "$data/small/$i" ] || head -c 1048576 /dev/urandom > "$data/small/$i"
  done
  (cd "$data/small" && sha256sum $(seq 1 $small_count) > ../small.sha256)
  exit 0
fi

base=$1 user=$2 pass=$3 run=$4
auth=()
[ "$user" = - ] || auth=(-u "$user:$pass")
repo=bench/blobs
curl_opts=(-sS --fail --http1.1)

now() { date +%s.%N; }
# BENCH_MEASURES: which measures to take (default all; pull_1g needs push_1g's blob).
measures=" ${BENCH_MEASURES:-push_1g pull_1g pull_1g_x8 push_100x1m pull_100x1m} "
want() { [[ $measures == *" $1 "* ]]; }

# Monolithic upload: POST for an upload URL, PUT the bytes with the digest.
push_blob() { # file digest
  local location
  location=$(curl "${curl_opts[@]}" "${auth[@]}" -X POST -D - -o /dev/null "$base/v2/$repo/blobs/uploads/" \
    | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case $location in http*) ;; *) location="$base$location" ;; esac
  case $location in *\?*) location="$location&digest=sha256:$2" ;; *) location="$location?digest=sha256:$2" ;; esac
  curl "${curl_opts[@]}" "${auth[@]}" -X PUT -H 'Content-Type: application/octet-stream' \
    -T "$1" -o /dev/null "$location"
}

pull_blob() { # digest
  curl "${curl_opts[@]}" "${auth[@]}" -L -o /dev/null "$base/v2/$repo/blobs/sha256:$1"
}

report() { # name start end bytes
  awk -v n="$1" -v s="$(awk -v a="$2" -v b="$3" 'BEGIN { print b - a }')" -v b="$4" -v e="$base" -v r="$run" \
    'BEGIN { printf "{\"endpoint\": \"%s\", \"run\": %d, \"measure\": \"%s\", \"seconds\": %.3f, \"bytes\": %.0f, \"mb_per_s\": %.1f}\n", e, r, n, s, b, b / s / 1000000 }'
}

big_digest=$(cat "$data/big.sha256")
big_bytes=$(stat -c %s "$data/big")

if want push_1g; then
  t0=$(now); push_blob "$data/big" "$big_digest"; t1=$(now)
  report push_1g "$t0" "$t1" "$big_bytes"
fi

if want pull_1g; then
  t0=$(now); pull_blob "$big_digest"; t1=$(now)
  report pull_1g "$t0" "$t1" "$big_bytes"
fi

if want pull_1g_x8; then
  t0=$(now)
  pids=()
  for _ in 1 2 3 4 5 6 7 8; do pull_blob "$big_digest" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
  t1=$(now)
  report pull_1g_x8 "$t0" "$t1" "$((big_bytes * 8))"
fi

# The small blobs as Docker's client moves layers: one process, one kept-alive connection, the
# credentials on every request. So each request pays what the server does for it (authentication
# included), not a new process and TLS handshake.
small_bytes=$(($(wc -l < "$data/small.sha256") * 1048576))
if want push_100x1m; then
  t0=$(now)
  posts=()
  while read -r _ _; do posts+=("$base/v2/$repo/blobs/uploads/"); done < "$data/small.sha256"
  mapfile -t locations < <(curl "${curl_opts[@]}" "${auth[@]}" -X POST -o /dev/null -w '%header{location}\n' "${posts[@]}" | tr -d '\r')
  puts=() n=0
  while read -r digest name; do
    location=${locations[n]}; n=$((n + 1))
    case $location in http*) ;; *) location="$base$location" ;; esac
    case $location in *\?*) location="$location&digest=sha256:$digest" ;; *) location="$location?digest=sha256:$digest" ;; esac
    puts+=(-T "$data/small/$name" "$location")
  done < "$data/small.sha256"
  curl "${curl_opts[@]}" "${auth[@]}" -X PUT -H 'Content-Type: application/octet-stream' -o /dev/null "${puts[@]}"
  t1=$(now)
  report push_100x1m "$t0" "$t1" "$small_bytes"
fi

if want pull_100x1m; then
  t0=$(now)
  gets=()
  while read -r digest _; do gets+=(-o /dev/null "$base/v2/$repo/blobs/sha256:$digest"); done < "$data/small.sha256"
  curl "${curl_opts[@]}" "${auth[@]}" -L "${gets[@]}"
  t1=$(now)
  report pull_100x1m "$t0" "$t1" "$small_bytes"
fi
