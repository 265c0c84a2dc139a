#!/bin/sh
# dockerlab hook (contract: ../../contracts.yml, nginx-entrypoint.d). With
# NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE set, replace `worker_processes auto;` in
# /etc/nginx/nginx.conf by the number of CPUs this container may use: its CPU quota
# (cgroup v2 cpu.max or v1 cpu.cfs_quota_us) rounded up, at most the CPUs in its
# affinity mask (nproc).
[ -n "${NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE:-}" ] || exit 0
conf=/etc/nginx/nginx.conf
[ -w "$conf" ] || exit 0

n=$(nproc 2>/dev/null || echo 1)
cg=/sys/fs/cgroup
if [ -r $cg/cpu.max ]; then
    read -r quota period <$cg/cpu.max
else
    quota=$(cat $cg/cpu/cpu.cfs_quota_us 2>/dev/null) period=$(cat $cg/cpu/cpu.cfs_period_us 2>/dev/null)
fi
case "$quota:$period" in
[1-9]*:[1-9]*)
    q=$(( (quota + period - 1) / period ))
    [ "$q" -lt "$n" ] && n=$q ;;
esac
sed -i "s/^\([[:space:]]*worker_processes\)[[:space:]].*;/\1 $n;/" "$conf"
