#!/bin/sh
# dockerlab hook (contract: ../../contracts.yml, nginx-entrypoint.d). When the container
# has IPv6 and /etc/nginx/conf.d/default.conf is still the image's own file (it has our
# marker line and no IPv6 listen yet), add `listen [::]:80;` after `listen 80;`. Anything
# else (IPv6 off, file edited or mounted read-only) leaves the file alone.
conf=/etc/nginx/conf.d/default.conf
marker='# dockerlab default.conf'

grep -q . /proc/net/if_inet6 2>/dev/null || exit 0
[ -w "$conf" ] && grep -qF "$marker" "$conf" || exit 0
grep -q 'listen[[:space:]]*\[::\]:80' "$conf" && exit 0
sed -i 's/^\([[:space:]]*\)listen[[:space:]]*80;/&\n\1listen [::]:80;/' "$conf"
