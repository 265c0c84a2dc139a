#!/usr/bin/env python3
"""`make bench`: converge cost and registry throughput on the local lab, side by side
with baselines measured in the same run. Not part of `make test`.

Writes docs/benchmarks.json (raw figures), docs/benchmarks.png (chart) and
docs/benchmarks.md (tables, targets, machine), and prints the tables.

Environment: BENCH_RUNS (default 3), BENCH_CLIENTS (default "3 6 12"), BENCH_BEFORE (a git revision
whose collection the levers part measures too),
BENCH_PARTS (default "converge guide scale levers dataplane auth nginx scaleout"), BENCH_COSTS (the
auth part's bcrypt costs, default "5 8 10 12").
"""

from __future__ import annotations

import datetime
import json
import secrets
import os
import pathlib
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
DOCS = ROOT / "docs"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CLIENT_COUNTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "3 6 12").split()]
PARTS = os.environ.get("BENCH_PARTS", "converge guide scale levers dataplane auth nginx scaleout").split()
COSTS = [int(c) for c in os.environ.get("BENCH_COSTS", "5 8 10 12").split()]
VAULT_PASS = ROOT / "tests/lab/demo-vault-pass"
MIRROR = "http://mirror.dockerlab.test:5000"
ENDPOINTS = {  # name: (URL seen from docker02, authenticated)
    "registry HTTP": ("http://registry.me:5080", False),
    "registry TLS+auth": ("https://registry.me:5000", True),
    "nginx.me (ours)": ("https://nginx.me", True),
    "nginx (guide's conf)": ("https://nginx.me:8443", True),
}
MEASURES = ["push_1g", "pull_1g", "pull_1g_x8", "push_100x1m", "pull_100x1m"]
SMALL = ["push_100x1m", "pull_100x1m"]
# The auth part: the authenticated endpoints with a user of each bcrypt cost (COSTS), and
# plain HTTP, small blobs only (the per-request cost).
AUTH_ENDPOINTS = ["registry TLS+auth", "nginx.me (ours)"]
# The nginx part: nginx.me's own configuration with some directives out or in
# (bench/nginx_variants.yml), each on its own port of nginx.me, pulls only.
NGINX_VARIANTS = [
    {"name": "nginx's default proxy buffers (8 x 4k, temporary files)", "port": 8451,
     "remove": ["proxy_buffer_size", "proxy_buffers", "proxy_max_temp_file_size"]},
    {"name": "proxy_buffering off", "port": 8452, "location": ["proxy_buffering off"]},
    {"name": "smaller proxy buffers (32 x 64k)", "port": 8453,
     "remove": ["proxy_buffer_size", "proxy_buffers"], "location": ["proxy_buffers 32 64k"]},
    {"name": "larger proxy buffers (16 x 1m)", "port": 8456, "remove": ["proxy_buffer_size", "proxy_buffers"],
     "location": ["proxy_buffer_size 1m", "proxy_buffers 16 1m"]},
    {"name": "no keepalive to the registry", "port": 8454, "remove": ["keepalive"]},
    {"name": "TLS 1.3 with AES-128-GCM first (as the registry's Go)", "port": 8455,
     "remove": ["ssl_prefer_server_ciphers"],
     "server": ["ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                "TLS_CHACHA20_POLY1305_SHA256", "ssl_prefer_server_ciphers on"]},
]
PULLS = ["pull_1g", "pull_1g_x8"]
# The levers part: site.yml's no-op re-run with one thing changed at a time, on the lab of
# `clients` Docker hosts the converge part (3) or the scale part (more) has just converged, against
# site.yml as shipped on it; the playbook variants also converge a fresh lab cold.
LEVERS = {
    "Mitogen (its mitogen_linear strategy)": {"clients": 3, "mitogen": True},
    "no pipelining": {"clients": 3, "env": {"ANSIBLE_PIPELINING": "False"}},
    "no SSH master connection": {"clients": 3, "env": {"ANSIBLE_SSH_ARGS": "-C -o ControlMaster=no"}},
    "engine, client, registry and proxy in one play (free strategy)": {"clients": 3, "playbook": "one_play"},
    "12 clients, forks = hosts (13)": {"clients": 12, "env": {"ANSIBLE_FORKS": "13"}},
}
# BENCH_BEFORE=<git revision>: one more lever, site.yml and the roles of that revision (what a change bought).
BEFORE = os.environ.get("BENCH_BEFORE", "")
if BEFORE:
    LEVERS[f"the collection of {BEFORE}"] = {"clients": 3, "revision": BEFORE}
SHIPPED = "site.yml as shipped"


def shipped(clients: int) -> str:
    """The name of site.yml as shipped, the base of the levers on a lab of `clients` hosts."""
    return SHIPPED if clients == 3 else f"{clients} clients, {SHIPPED}"
CPU_KEYS = ["wall", "registry", "nginx", "client's curl", "total"]
# The scale-out part: nginx.me (docker03) in front of either of these, on the ha scenario's lab.
SCALEOUT = {
    "2 replicas on S3": [],   # molecule/ha/host_vars/docker03 as it is
    "1 replica on the filesystem": ["-e", json.dumps({"registry_replicas": 1, "registry_storage": "filesystem"})],
}

ENV = dict(
    os.environ,
    ANSIBLE_VAULT_PASSWORD_FILE=str(VAULT_PASS),
    ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"),
    ANSIBLE_NOCOLOR="1",
    ANSIBLE_FORCE_COLOR="0",
)


def log(message: str) -> None:
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def run(argv: list, logname: str, **kwargs) -> tuple[float, str]:
    """Run a command, keep its output in .work/logs, return (wall seconds, output)."""
    (WORK / "logs").mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, **kwargs)
    seconds = time.monotonic() - start
    output = done.stdout + done.stderr
    (WORK / "logs" / f"{logname}.log").write_text(output)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed (rc={done.returncode}); see bench/.work/logs/{logname}.log\n"
                 + output[-3000:])
    return seconds, output


def lab_inventory(clients: int) -> pathlib.Path:
    """The lab of tests/lab/inventory.yml with `clients` Docker hosts, and the
    default scenario's settings (inventory/group_vars/ with the lab's mirror)."""
    directory = WORK / f"lab-{clients}"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    # tests/lab/inventory.yml (SSH, the harness's key) with `clients` lab hosts.
    inventory = yaml.safe_load((ROOT / "tests/lab/inventory.yml").read_text())
    groups = inventory["all"]["children"]
    hosts = {
        f"docker{i:02d}": {
            "ansible_host": f"192.168.99.{60 + i}",
            "lab_container": f"dockerlab-docker{i:02d}",
            "lab_aliases": {1: ["registry.me"], 3: ["nginx.me"]}.get(i, []),
        }
        for i in range(1, clients + 1)
    }
    groups["lab_hosts"]["hosts"] = hosts
    groups["proxy_hosts"] = {"hosts": {"docker03": None}}
    groups["ca_hosts"]["hosts"]["localhost"]["ca_dir"] = str(directory / "ca")
    groups["docker_clients"]["hosts"] = {name: None for name in hosts}
    (directory / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    (directory / "group_vars").symlink_to(ROOT / "molecule/default/group_vars")
    return directory


def lab_up(clients: int, tag: str) -> pathlib.Path:
    lab_down_all()
    inventory = lab_inventory(clients)
    hosts = inventory / "hosts.yml"   # the file, not its directory: the lab's CA lives there too
    seconds, _ = run(["ansible-playbook", "-i", hosts, "tests/lab/up.yml"], f"{tag}-up")
    log(f"lab with {clients} Docker hosts up in {seconds:.0f} s")
    return hosts


def lab_down_all() -> None:
    """Remove any lab host (dockerlab-dockerNN) with its disks (as tests/lab/down.yml does: a
    fresh lab's /var/lib/docker is empty), the mirror and the network."""
    names = subprocess.run(["docker", "ps", "-aq", "--filter", "name=^dockerlab-docker"],
                           capture_output=True, text=True, check=True).stdout.split()
    if names:
        subprocess.run(["docker", "rm", "-f", "-v", *names], capture_output=True, check=True)
    disks = subprocess.run(["docker", "volume", "ls", "-q", "--filter", "name=^dockerlab-docker"],
                           capture_output=True, text=True, check=True).stdout.split()
    if disks:
        subprocess.run(["docker", "volume", "rm", *disks], capture_output=True, check=True)
    subprocess.run(["docker", "rm", "-f", "dockerlab-mirror", "dockerlab-aptcache", "dockerlab-objectstore"],
                   capture_output=True, check=False)
    subprocess.run(["docker", "volume", "rm", "dockerlab-objectstore-data"], capture_output=True, check=False)
    subprocess.run(["docker", "network", "rm", "dockerlab"], capture_output=True, check=False)


def recap_changed(output: str) -> int:
    return sum(int(n) for n in re.findall(r"changed=(\d+)", output.split("PLAY RECAP")[-1]))


def busy_seconds() -> float:
    """CPU seconds this machine's cores have been busy since boot (user, nice, system, irq, softirq):
    the controller's, the lab hosts' and everything else's."""
    fields = [int(f) for f in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def controller_seconds() -> float:
    """CPU seconds (user + system) of this process's finished children: ansible-playbook, its workers and ssh."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cpu(argv: list, logname: str) -> tuple[float, str, dict]:
    """run(), and the CPU seconds spent meanwhile: the whole machine's ("machine": the lab hosts' too)
    and the command's own, with its children ("controller": ansible-playbook, its workers, ssh)."""
    machine, controller = busy_seconds(), controller_seconds()
    seconds, output = run(argv, logname)
    return seconds, output, {"machine": busy_seconds() - machine, "controller": controller_seconds() - controller}


def converge(inventory: pathlib.Path, tag: str) -> tuple[float, int, dict]:
    """site.yml on a lab: (wall seconds, changed, CPU seconds as run_cpu gives them)."""
    seconds, output, cpu = run_cpu(["ansible-playbook", "-i", inventory, "playbooks/site.yml"], tag)
    return seconds, recap_changed(output), cpu


def lab_credentials() -> tuple[str, str]:
    _, output = run(["ansible-vault", "view", "inventory/group_vars/all/vault.yml"], "vault")
    user = yaml.safe_load(output)["vault_registry_users"][0]
    return user["name"], user["password"]


def summary(values: list) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def machine() -> dict:
    def out(argv):
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    cpu = re.search(r"Model name:\s*(.*)", out(["lscpu"]))
    mem = re.search(r"MemTotal:\s*(\d+)", pathlib.Path("/proc/meminfo").read_text())
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu.group(1) if cpu else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 1048576, 1) if mem else None,
        "kernel": platform.release(),
        "os": out(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "dockerd": out(["docker", "version", "--format", "{{.Server.Version}}"]),
        "ansible_core": out([sys.executable, "-c", "import ansible; print(ansible.__version__)"]),
        # The code measured: the commit, "+ changes" when the checkout differs from it.
        "commit": out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
        + (" + changes" if out(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]) else ""),
        "lab": "docker01-NN as Docker-in-Docker containers on one bridge network, this machine's disk and CPUs",
    }


def bench_converge(results: dict, credentials: tuple[str, str]) -> None:
    """Cold site.yml on a fresh 3-host lab and a no-op re-run; the guide's script on
    another fresh lab in the same run; cold converges with more client hosts."""
    conv = results.setdefault("converge", {})
    for i in range(1, RUNS + 1):
        if "converge" in PARTS:
            inventory = lab_up(3, f"run{i}-cold")
            cold, changed_cold, cpu = converge(inventory, f"run{i}-cold-site")
            results.setdefault("converge_cpu", {}).setdefault("cold_3", []).append(cpu)
            noop, changed_noop, cpu = converge(inventory, f"run{i}-noop-site")
            results["converge_cpu"].setdefault("noop_3", []).append(cpu)
            log(f"run {i}: cold site.yml {cold:.1f} s (changed={changed_cold}), no-op {noop:.1f} s (changed={changed_noop})")
            if changed_noop:
                sys.exit(f"the no-op re-run changed {changed_noop} things; see bench/.work/logs/run{i}-noop-site.log")
            conv.setdefault("cold_3", []).append(cold)
            conv.setdefault("noop_3", []).append(noop)
            if "levers" in PARTS:
                noop_levers(results, i, 3, inventory, cold)
            if i == RUNS and ("dataplane" in PARTS or "auth" in PARTS or "nginx" in PARTS):
                bench_dataplane(results, inventory, credentials)
        if "guide" in PARTS:
            lab_up(3, f"run{i}-guide")
            work = WORK / "guide-ca"
            shutil.rmtree(work, ignore_errors=True)
            seconds, _, cpu = run_cpu(["bash", "bench/guide/lab.sh", work, *credentials, MIRROR],
                                      f"run{i}-guide-script")
            results.setdefault("converge_cpu", {}).setdefault("guide_script_3", []).append(cpu)
            log(f"run {i}: the guide's commands as a shell script {seconds:.1f} s")
            conv.setdefault("guide_script_3", []).append(seconds)
        if "levers" in PARTS:
            cold_levers(results, i)
        if "scale" in PARTS:
            for clients in CLIENT_COUNTS:
                if clients == 3 and "converge" in PARTS:
                    continue   # the cold run above
                inventory = lab_up(clients, f"run{i}-scale{clients}")
                seconds, _, cpu = converge(inventory, f"run{i}-scale{clients}-site")
                results.setdefault("converge_cpu", {}).setdefault(f"cold_{clients}", []).append(cpu)
                log(f"run {i}: cold site.yml with {clients} client hosts {seconds:.1f} s")
                conv.setdefault(f"cold_{clients}", []).append(seconds)
                if "levers" in PARTS:
                    noop_levers(results, i, clients, inventory, seconds)
    if ("dataplane" in PARTS or "auth" in PARTS or "nginx" in PARTS) and "converge" not in PARTS:
        inventory = lab_up(3, "dataplane")
        converge(inventory, "dataplane-site")
        bench_dataplane(results, inventory, credentials)
    lab_down_all()


def site_one_play() -> pathlib.Path:
    """site.yml with its engine, clients, registry and proxy plays as one play of the free strategy
    (each role on the hosts of its play, in the same order on a host; hosts do not wait for each other)."""
    plays = yaml.safe_load((ROOT / "playbooks/site.yml").read_text())
    merged = [play for play in plays if set(play.get("tags", [])) & {"engine", "clients", "registry", "proxy"}]
    tasks = []
    for play in merged:
        when = {} if play["hosts"] == merged[0]["hosts"] else {"when": " or ".join(
            f"inventory_hostname in groups['{g}'] | default([])" for g in play["hosts"].split(":"))}
        tasks += [dict(task, tags=play["tags"], **when) for task in play["tasks"]]
    one = {"name": "Bring the engine, the client settings, the registries and nginx", "hosts": merged[0]["hosts"],
           "strategy": "free", "gather_facts": False, "tasks": tasks}
    first = plays.index(merged[0])
    path = WORK / "site_one_play.yml"
    path.write_text(yaml.safe_dump([p for p in plays[:first]] + [one] + [p for p in plays[first:] if p not in merged],
                                   sort_keys=False))
    return path


def lever_command(lever: dict, inventory: pathlib.Path) -> tuple[list, dict]:
    """The ansible-playbook command and environment of a lever (LEVERS)."""
    env = dict(lever.get("env", {}))
    if lever.get("mitogen"):
        import ansible_mitogen   # bench/requirements.txt
        env.update(ANSIBLE_STRATEGY_PLUGINS=str(pathlib.Path(ansible_mitogen.__file__).parent / "plugins/strategy"),
                   ANSIBLE_STRATEGY="mitogen_linear")
    playbook = site_one_play() if lever.get("playbook") == "one_play" else ROOT / "playbooks/site.yml"
    if lever.get("revision"):
        # That revision's tree as the collection dockerlab.registry, from git.
        collections = WORK / f"revision-{lever['revision']}"
        tree = collections / "ansible_collections/dockerlab/registry"
        if not tree.exists():
            tree.mkdir(parents=True)
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", lever["revision"]], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
        playbook = tree / "playbooks/site.yml"
    return ["ansible-playbook", "-i", inventory, playbook], env


def timed(argv: list, env: dict, logname: str) -> tuple[float, int]:
    """run() with some environment variables changed; (seconds, changed) of an ansible-playbook run."""
    saved = {k: ENV.get(k) for k in env}
    ENV.update(env)
    try:
        seconds, output = run(argv, logname)
    finally:
        for k, v in saved.items():
            if v is None:
                ENV.pop(k, None)
            else:
                ENV[k] = v
    return seconds, recap_changed(output)


def noop_levers(results: dict, i: int, clients: int, inventory: pathlib.Path, cold: float) -> None:
    """Run i on a lab of `clients` hosts that site.yml as shipped has just converged in `cold` seconds:
    no-op re-runs of site.yml as shipped and with each lever of this lab size, in an order that
    rotates from run to run."""
    levers = {name: lever for name, lever in LEVERS.items() if lever["clients"] == clients}
    if not levers:
        return
    raw = results.setdefault("levers_raw", [])
    raw.append({"run": i, "name": shipped(clients), "measure": "cold", "seconds": cold})
    names = [shipped(clients)] + list(levers)
    shift = (i - 1) % len(names)
    for name in names[shift:] + names[:shift]:
        argv, env = lever_command(levers.get(name, {}), inventory)
        seconds, changed = timed(argv, env, f"levers-run{i}-{clients}-noop-{names.index(name)}")
        if changed:
            sys.exit(f"{name}: the no-op re-run changed {changed} things")
        raw.append({"run": i, "name": name, "measure": "noop", "seconds": seconds})
        log(f"run {i}: no-op, {name}: {seconds:.1f} s")


def cold_levers(results: dict, i: int) -> None:
    """Run i: each playbook variant of LEVERS converges a fresh lab cold."""
    raw = results.setdefault("levers_raw", [])
    for name, lever in LEVERS.items():
        if "playbook" in lever:
            inventory = lab_up(lever["clients"], f"levers-run{i}-{lever['playbook']}")
            argv, env = lever_command(lever, inventory)
            seconds, _ = timed(argv, env, f"levers-run{i}-cold-{lever['playbook']}")
            raw.append({"run": i, "name": name, "measure": "cold", "seconds": seconds})
            log(f"run {i}: cold, {name}: {seconds:.1f} s")


def client_measure(container: str, url: str, user: str, password: str, i: int, name: str, raw: list,
                   logname: str, measures: list = MEASURES) -> None:
    """client.sh on a lab host against one endpoint; its records, named, go to raw."""
    _, output = run(["docker", "exec", "-e", "BENCH_MEASURES=" + " ".join(measures), container, "bench-client",
                     url, user, password, str(i)], logname)
    for line in output.splitlines():
        if line.startswith("{"):
            raw.append(dict(json.loads(line), name=name))
    log(f"run {i}: {name}: " + ", ".join(
        f"{r['measure']} {r['mb_per_s']:.0f} MB/s" for r in raw if r["run"] == i and r["name"] == name))


def bench_dataplane(results: dict, inventory: pathlib.Path, credentials: tuple[str, str]) -> None:
    run(["ansible-playbook", "-i", inventory, "bench/dataplane.yml"], "dataplane-setup")
    if "auth" in PARTS:
        bench_auth(results, inventory)
    if "nginx" in PARTS:
        bench_nginx(results, inventory, credentials)
    if "dataplane" not in PARTS:
        return
    raw = results.setdefault("dataplane_raw", [])
    names = list(ENDPOINTS)
    for i in range(1, RUNS + 1):
        order = names[i - 1:] + names[:i - 1]   # a different endpoint goes first in each run
        for name in order:
            url, authenticated = ENDPOINTS[name]
            user, password = credentials if authenticated else ("-", "-")
            client_measure("dockerlab-docker02", url, user, password, i, name, raw,
                           f"dataplane-run{i}-{name.split()[0]}")


def bench_auth(results: dict, inventory: pathlib.Path) -> None:
    """Small blobs through registry.me (TLS + htpasswd) and nginx.me as a user of each bcrypt
    cost in COSTS (bench/auth.yml adds them beside the lab's users), and over plain HTTP, in
    one run; the order rotates from run to run."""
    extra = WORK / "auth-vars.json"
    password = secrets.token_urlsafe(24)
    extra.write_text(json.dumps({"bench_costs": COSTS, "bench_password": password}))
    extra.chmod(0o600)
    run(["ansible-playbook", "-i", inventory, "bench/auth.yml", "-e", f"@{extra}"], "auth-setup")
    raw = results.setdefault("auth_raw", [])
    cases = [("registry HTTP", None)] + [(name, cost) for name in AUTH_ENDPOINTS for cost in COSTS]
    for i in range(1, RUNS + 1):
        shift = (i - 1) % len(cases)
        for name, cost in cases[shift:] + cases[:shift]:
            user, secret = (f"bench-cost-{cost}", password) if cost else ("-", "-")
            label = f"{name}, cost {cost}" if cost else name
            client_measure("dockerlab-docker02", ENDPOINTS[name][0], user, secret, i, label, raw,
                           f"auth-run{i}-{name.split()[0]}-{cost}", SMALL)


def bench_nginx(results: dict, inventory: pathlib.Path, credentials: tuple[str, str]) -> None:
    """Pulls through nginx.me and through each variant of its configuration (NGINX_VARIANTS),
    in front of the same registry, in one run; the order rotates from run to run."""
    extra = WORK / "nginx-variants.json"
    extra.write_text(json.dumps({"bench_nginx_variants": NGINX_VARIANTS}))
    run(["ansible-playbook", "-i", inventory, "bench/nginx_variants.yml", "-e", f"@{extra}"], "nginx-setup")
    user, password = credentials
    raw = results.setdefault("nginx_raw", [])
    # The 1 GiB blob in nginx.me's registry and registry.me's (the dataplane part pushes it too; a
    # push of a blob that is there is sent again and kept once).
    for name in ("nginx.me (ours)", "registry TLS+auth"):
        client_measure("dockerlab-docker02", ENDPOINTS[name][0], user, password, 0, name, [],
                       f"nginx-push-{name.split()[0]}", ["push_1g"])
    cases = [("nginx.me (ours)", "https://nginx.me")] + [(v["name"], f"https://nginx.me:{v['port']}")
                                                         for v in NGINX_VARIANTS]
    for i in range(1, RUNS + 1):
        shift = (i - 1) % len(cases)
        for name, url in cases[shift:] + cases[:shift]:
            client_measure("dockerlab-docker02", url, user, password, i, name, raw, f"nginx-run{i}-{url[-4:]}",
                           PULLS)
        for name in (["registry TLS+auth", "nginx.me (ours)"] if i % 2 else ["nginx.me (ours)", "registry TLS+auth"]):
            raw.append(dict(cpu_during(ENDPOINTS[name][0], user, password, i), name=name, run=i, measure="cpu"))
            log(f"run {i}: {name}: 8 concurrent pulls, CPU seconds " + ", ".join(
                f"{k} {v:.1f}" for k, v in raw[-1].items() if isinstance(v, float)))


def proc_cpu() -> dict:
    """CPU seconds (user + system) of every process on this machine, the lab's included, by (pid, name)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seen = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue   # gone meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        seen[(stat.parent.name, name)] = (int(fields[11]) + int(fields[12])) / ticks
    return seen


def cpu_during(url: str, user: str, password: str, i: int) -> dict:
    """The 8 concurrent pulls from docker02, with the CPU seconds the registry's and nginx's processes
    spent meanwhile (read from /proc here) and the client's curls (its shell's `times`, as they exit)."""
    before = proc_cpu()
    _, output = run(["docker", "exec", "-e", "BENCH_MEASURES=pull_1g_x8", "dockerlab-docker02", "bash", "-c",
                     'bench-client "$@" && times', "-", url, user, password, str(i)], f"nginx-cpu-run{i}-{url[-4:]}")
    after = proc_cpu()
    spent = {}
    for (pid, name), seconds in after.items():
        if name in ("registry", "nginx"):
            spent[name] = spent.get(name, 0.0) + seconds - before.get((pid, name), 0.0)
    record = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    children = re.findall(r"(\d+)m([\d.]+)s", output.splitlines()[-1])   # `times`: the children's user, system
    cpu = {"registry": spent.get("registry", 0.0), "nginx": spent.get("nginx", 0.0),
           "client's curl": sum(int(m) * 60 + float(sec) for m, sec in children)}
    return dict(cpu, wall=float(record["seconds"]), total=sum(cpu.values()))


def bench_scaleout(results: dict) -> None:
    """The ha scenario's lab (its inventory settings, the lab's object store): the same
    client (docker01) through the same nginx.me, to two registry replicas on S3 and, after a
    converge of docker03 with other settings, to one on the filesystem; the order flips
    each run, so drift does not favour one."""
    lab_down_all()
    directory = WORK / "lab-ha"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    inventory = yaml.safe_load((ROOT / "tests/lab/inventory.yml").read_text())
    inventory["all"]["children"]["proxy_hosts"] = {"hosts": {"docker02": None, "docker03": None}}
    inventory["all"]["children"]["ca_hosts"]["hosts"]["localhost"]["ca_dir"] = str(directory / "ca")
    (directory / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    for part in ("group_vars", "host_vars"):
        (directory / part).symlink_to(ROOT / "molecule/ha" / part)
    hosts = directory / "hosts.yml"
    ENV["DOCKERLAB_OBJECTSTORE"] = "true"
    try:
        seconds, _ = run(["ansible-playbook", "-i", hosts, "tests/lab/up.yml"], "scaleout-up")
        log(f"the ha lab (with its object store) up in {seconds:.0f} s")
        run(["ansible-playbook", "-i", hosts, "playbooks/site.yml"], "scaleout-site")
        run(["ansible-playbook", "-i", hosts, "bench/client.yml", "-e", "bench_client=docker01"], "scaleout-client")
        users = yaml.safe_load((ROOT / "molecule/nginx/group_vars/all.yml").read_text())["lab_users"]
        user, password = users[0]["name"], users[0]["password"]
        raw = results.setdefault("scaleout_raw", [])
        names = list(SCALEOUT)
        current = names[0]
        for i in range(1, RUNS + 1):
            order = names if i % 2 else names[::-1]
            for name in order:
                if name != current:
                    seconds, _ = run(["ansible-playbook", "-i", hosts, "playbooks/site.yml", "--limit",
                                      "docker03,localhost", *SCALEOUT[name]], f"scaleout-run{i}-converge")
                    log(f"run {i}: nginx.me now in front of {name} (converged in {seconds:.0f} s)")
                    current = name
                client_measure("dockerlab-docker01", "https://nginx.me", user, password, i, name, raw,
                               f"scaleout-run{i}-{name.split()[0]}")
    finally:
        del ENV["DOCKERLAB_OBJECTSTORE"]
        lab_down_all()


def auth_order(name: str) -> tuple:
    """registry HTTP first, then each endpoint's users by cost ("<endpoint>, cost <N>")."""
    endpoint, _, cost = name.partition(", cost ")
    return (endpoint != "registry HTTP", endpoint, int(cost or 0))


def ratio_by_run(raw: list, a: str, b: str, measure: str, key: str = "mb_per_s") -> list:
    """a's figure over b's for one measure, run by run (pairs from the same run only)."""
    by_run = {}
    for r in raw:
        if r["measure"] == measure and r["name"] in (a, b):
            by_run.setdefault(r["run"], {})[r["name"]] = r[key]
    return [v[a] / v[b] for v in by_run.values() if a in v and b in v]


def figures(raw: list, name: str, measure: str, key: str = "mb_per_s") -> list:
    return [r[key] for r in raw if r["name"] == name and r["measure"] == measure]


def against(raw: list, names: list, measures: list, base: str, key: str = "mb_per_s") -> dict:
    """{name: {measure: summary, with ratio (to base, run by run) unless name is base}}."""
    table = {}
    for name in names:
        for measure in measures:
            values = figures(raw, name, measure, key)
            if values:
                per_run = ratio_by_run(raw, name, base, measure, key) if name != base else []
                table.setdefault(name, {})[measure] = dict(summary(values),
                                                           ratio=summary(per_run) if per_run else None)
    return table


def analyse(results: dict) -> None:
    raw = results.get("dataplane_raw", [])
    results["dataplane"] = {name: {m: summary(figures(raw, name, m)) for m in MEASURES if figures(raw, name, m)}
                            for name in ENDPOINTS if any(r["name"] == name for r in raw)}
    ratios = results["ratios"] = {}
    pairs = [("registry TLS+auth / registry HTTP", "registry TLS+auth", "registry HTTP", SMALL)] + [
        (label, "nginx.me (ours)", b, MEASURES) for label, b in (("nginx.me / registry TLS+auth", "registry TLS+auth"),
                                                                  ("nginx.me / registry HTTP", "registry HTTP"),
                                                                  ("nginx.me / guide's nginx", "nginx (guide's conf)"))]
    for label, a, b, measure in [(*pairs[0][:3], m) for m in SMALL] + [(*pair[:3], m) for m in MEASURES
                                                                        for pair in pairs[1:]]:
        values = ratio_by_run(raw, a, b, measure)
        if values:
            ratios[f"{label}, {measure}"] = summary(values)
    auth = results.get("auth_raw", [])
    results["auth"] = against(auth, sorted({r["name"] for r in auth}, key=auth_order), SMALL, "registry HTTP")
    scaleout = results.get("scaleout_raw", [])
    results["scaleout"] = {name: {m: summary(figures(scaleout, name, m)) for m in MEASURES
                                  if figures(scaleout, name, m)} for name in SCALEOUT
                           if any(r["name"] == name for r in scaleout)}
    a, b = SCALEOUT
    for measure in MEASURES:
        values = ratio_by_run(scaleout, a, b, measure)
        if values:
            ratios[f"nginx.me to {a} / to {b}, {measure}"] = summary(values)
    variants = results.get("nginx_raw", [])
    results["nginx"] = against([r for r in variants if r["measure"] != "cpu"],
                               ["nginx.me (ours)"] + [v["name"] for v in NGINX_VARIANTS], PULLS, "nginx.me (ours)")
    for name in ("registry TLS+auth", "nginx.me (ours)"):
        records = [r for r in variants if r["measure"] == "cpu" and r["name"] == name]
        if records:
            results.setdefault("cpu", {})[name] = {key: summary([r[key] for r in records]) for key in CPU_KEYS}
    results["levers"] = {}
    # A revision measured in this run (BENCH_BEFORE) or in the one whose figures are kept.
    revisions = {r["name"]: {"clients": 3} for r in results.get("levers_raw", [])
                 if r["name"].startswith("the collection of ")}
    levers = {**revisions, **LEVERS}
    for clients in sorted({lever["clients"] for lever in levers.values()}):
        names = [name for name, lever in levers.items() if lever["clients"] == clients]
        results["levers"].update(against(results.get("levers_raw", []), [shipped(clients)] + names, ["noop", "cold"],
                                         shipped(clients), "seconds"))
    conv = results.get("converge", {})
    results["converge_summary"] = {k: summary(v) for k, v in conv.items()}
    results["converge_cpu_summary"] = {k: {side: summary([c[side] for c in v]) for side in ("controller", "machine")}
                                       for k, v in results.get("converge_cpu", {}).items()}
    for label, a, b in (("no-op re-run / cold converge", "noop_3", "cold_3"),
                        ("no-op re-run / guide's shell script", "noop_3", "guide_script_3"),
                        ("cold converge / guide's shell script", "cold_3", "guide_script_3"),
                        ("12 clients / 3 clients", "cold_12", "cold_3"),
                        ("6 clients / 3 clients", "cold_6", "cold_3")):
        if a in conv and b in conv:
            ratios[label] = summary([x / y for x, y in zip(conv[a], conv[b])])


TARGETS = [  # (ratio key, comparison, bound, wording): issue 17's
    ("registry TLS+auth / registry HTTP, push_100x1m", ">=", 0.5,
     "registry.me (TLS + htpasswd) small pushes >= 0.5x plain HTTP"),
    ("registry TLS+auth / registry HTTP, pull_100x1m", ">=", 0.5,
     "registry.me (TLS + htpasswd) small pulls >= 0.5x plain HTTP"),
    ("nginx.me / registry HTTP, push_100x1m", ">=", 0.5, "nginx.me small pushes >= 0.5x plain HTTP"),
    ("nginx.me / registry HTTP, pull_100x1m", ">=", 0.5, "nginx.me small pulls >= 0.5x plain HTTP"),
    ("nginx.me / registry TLS+auth, push_1g", ">=", 0.9, "nginx.me push >= 0.9x the registry's TLS"),
    ("nginx.me / registry TLS+auth, pull_1g", ">=", 0.9, "nginx.me pull >= 0.9x the registry's TLS"),
    ("nginx.me / registry TLS+auth, pull_1g_x8", ">=", 0.9, "nginx.me 8 concurrent pulls >= 0.9x the registry's TLS"),
    ("nginx.me / guide's nginx, push_1g", ">=", 1.0, "nginx.me push >= 1.0x the guide's nginx config"),
    ("nginx.me / guide's nginx, pull_1g", ">=", 1.0, "nginx.me pull >= 1.0x the guide's nginx config"),
    ("nginx.me / guide's nginx, pull_1g_x8", ">=", 1.0, "nginx.me 8 concurrent pulls >= 1.0x the guide's nginx config"),
    ("no-op re-run / guide's shell script", "<=", 1.0, "no-op re-run <= 1.0x the guide's shell script"),
    ("cold converge / guide's shell script", "<=", 2.5, "cold converge <= 2.5x the guide's shell script"),
    ("12 clients / 3 clients", "<=", 1.6, "12 clients <= 1.6x 3 clients"),
]
# A figure whose runs lie further than this from their median is too noisy to judge.
SPREAD = 0.25


def converge_order(key: str) -> tuple:
    """cold_3, noop_3, guide_script_3, then cold_N by N."""
    return (int(key.rsplit("_", 1)[1]), ["cold", "noop", "guide_script"].index(key.rsplit("_", 1)[0]))


def fmt(s: dict, digits: int = 1) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def tables(results: dict) -> str:
    lines = ["### Data plane (MB/s; median, min-max of %d runs)" % RUNS, "",
             "| endpoint | " + " | ".join(MEASURES) + " |", "|---" * (len(MEASURES) + 1) + "|"]
    for name, measures in results.get("dataplane", {}).items():
        lines.append(f"| {name} | " + " | ".join(fmt(measures[m], 0) if m in measures else "" for m in MEASURES) + " |")
    if results.get("scaleout"):
        lines += ["", "### Scale-out: nginx.me in front of 2 replicas on S3 or 1 on the filesystem (MB/s; median, "
                  "min-max of %d runs)" % RUNS, "", "| nginx.me to | " + " | ".join(MEASURES) + " |",
                  "|---" * (len(MEASURES) + 1) + "|"]
        for name, measures in results["scaleout"].items():
            lines.append(f"| {name} | " + " | ".join(fmt(measures[m], 0) if m in measures else "" for m in MEASURES)
                         + " |")
    def against_table(table: dict, title: str, first: str, measures: list, base: str, digits: int = 0) -> list:
        """A table of `against`: the figures of each measure, then each one's ratio to base."""
        rows = ["", f"### {title}", "", f"| {first} | " + " | ".join(measures + [f"{m} / {base}" for m in measures])
                + " |", "|---" * (2 * len(measures) + 1) + "|"]
        for name, by_measure in table.items():
            cells = [fmt(by_measure[m], digits) if m in by_measure else "" for m in measures]
            cells += [fmt(by_measure[m]["ratio"], 2) if by_measure.get(m, {}).get("ratio") else "" for m in measures]
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
        return rows

    if results.get("auth"):
        lines += against_table(results["auth"], "Authentication: small blobs as a user of each bcrypt cost (MB/s, and "
                               "the ratio to plain HTTP run by run; median, min-max of %d runs)" % RUNS,
                               "endpoint, user's cost", SMALL, "HTTP")
    if results.get("nginx"):
        lines += against_table(results["nginx"], "nginx.me's configuration varied: pulls (MB/s, and the ratio to "
                               "nginx.me as the proxy role configures it, run by run; median, min-max of %d runs)"
                               % RUNS, "nginx.me with", PULLS, "ours")
    if results.get("cpu"):
        lines += ["", "### Where the time goes: 8 concurrent pulls of 1 GiB, CPU seconds by process (median, min-max "
                  "of %d runs; %d cores)" % (RUNS, os.cpu_count()), "",
                  "| through | " + " | ".join(CPU_KEYS) + " |", "|---" * (len(CPU_KEYS) + 1) + "|"]
        for name, cpu in results["cpu"].items():
            lines.append(f"| {name} | " + " | ".join(fmt(cpu[k]) for k in CPU_KEYS) + " |")
    if results.get("levers"):
        lines += against_table(results["levers"], "Converge levers: site.yml's no-op re-run on one converged lab, and "
                               "cold on a fresh one, with one thing changed (seconds, and the time ratio to site.yml "
                               "as shipped run by run, below 1 is faster; median, min-max of %d runs)" % RUNS,
                               "site.yml with", ["noop", "cold"], "shipped", 1)
    lines += ["", "### Converge (seconds, and CPU seconds meanwhile: the controller's side, ansible-playbook or the "
              "script with all they start here, ssh included; and this machine's %d cores busy, the lab hosts' work "
              "too; median, min-max of %d runs)" % (os.cpu_count(), RUNS), "",
              "| step | seconds | controller CPU seconds | machine CPU seconds busy |", "|---|---|---|---|"]
    labels = {"cold_3": "cold site.yml, fresh lab, 3 client hosts", "noop_3": "no-op re-run of site.yml",
              "guide_script_3": "the guide's commands as a shell script, fresh lab"}
    cpu = results.get("converge_cpu_summary", {})
    for key, s in sorted(results.get("converge_summary", {}).items(), key=lambda kv: converge_order(kv[0])):
        label = labels.get(key, f"cold site.yml, fresh lab, {key.split('_')[-1]} client hosts")
        sides = [fmt(cpu[key][side]) if key in cpu else "" for side in ("controller", "machine")]
        lines.append(f"| {label} | {fmt(s)} | " + " | ".join(sides) + " |")
    lines += ["", "### Ratios (pair by pair within one run; median, min-max)", "", "| ratio | value |", "|---|---|"]
    for key, s in results.get("ratios", {}).items():
        lines.append(f"| {key} | {fmt(s, 2)} |")
    lines += ["", "### Targets (reported, not asserted)", "",
              f"A figure whose runs lie more than {SPREAD:.0%} from their median is too noisy to judge.", "",
              "| target | measured (median, min-max) | spread | met |", "|---|---|---|---|"]
    for key, op, bound, wording in TARGETS:
        s = results.get("ratios", {}).get(key)
        if not s:
            lines.append(f"| {wording} | not measured | | |")
            continue
        met = s["median"] >= bound if op == ">=" else s["median"] <= bound
        spread = max(s["max"] - s["median"], s["median"] - s["min"]) / s["median"]
        verdict = "too noisy to judge" if spread > SPREAD else ("yes" if met else "**no**")
        lines.append(f"| {wording} | {fmt(s, 2)} | ±{spread:.0%} | {verdict} |")
    return "\n".join(lines) + "\n"


def chart(results: dict, path: pathlib.Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plane = results.get("dataplane", {})
    conv = results.get("converge_summary", {})
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    names = list(plane)
    width = 0.8 / max(len(names), 1)
    for j, name in enumerate(names):
        xs = [m + j * width for m in range(len(MEASURES))]
        med = [plane[name].get(m, {}).get("median", 0) for m in MEASURES]
        low = [med[k] - plane[name].get(m, {}).get("min", 0) for k, m in enumerate(MEASURES)]
        high = [plane[name].get(m, {}).get("max", 0) - med[k] for k, m in enumerate(MEASURES)]
        left.bar(xs, med, width, yerr=[low, high], capsize=3, label=name)
    left.set_xticks([m + 0.4 - width / 2 for m in range(len(MEASURES))], MEASURES)
    left.set_ylabel("MB/s (median, min-max)")
    left.set_title("Registry throughput, curl + registry API from docker02")
    left.legend(fontsize=8)
    keys = sorted(conv, key=converge_order)
    med = [conv[k]["median"] for k in keys]
    right.bar(range(len(keys)), med, yerr=[[m - conv[k]["min"] for m, k in zip(med, keys)],
                                          [conv[k]["max"] - m for m, k in zip(med, keys)]], capsize=3,
              color="tab:gray")
    right.set_xticks(range(len(keys)), keys, rotation=20, fontsize=8)
    right.set_ylabel("seconds (median, min-max)")
    right.set_title("site.yml and the guide's shell script")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_docs(results: dict, table: str) -> None:
    m = results["machine"]
    older = {group: when["date"] for group, when in results.get("measured", {}).items() if when["date"] != m["date"]}
    measured = ("\nNot measured in the latest run (`BENCH_PARTS`), kept from earlier runs: "
                + ", ".join(f"{group} ({date})" for group, date in older.items()) + ".") if older else ""
    text = f"""# Benchmarks

<!-- Written by `make bench` (bench/bench.py); do not edit by hand. -->

Latest run: {m['date']}, on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, kernel {m['kernel']},
dockerd {m['dockerd']}, ansible-core {m['ansible_core']}, commit {m.get('commit', 'not recorded')}. The lab: {m['lab']}.
{measured}

Raw figures: [`docs/benchmarks.json`](benchmarks.json). Chart: `docs/benchmarks.png`.

![benchmarks](benchmarks.png)

## How it is measured

- **Data plane**: from docker02, `bench/client.sh` moves blobs with the registry API and curl (no
  compression, so the figure is the server side's): a monolithic upload of one 1 GiB blob of random
  bytes, its download, 8 concurrent downloads of it (8 GiB, MB/s of the whole), and 100 blobs of 1 MiB up
  (a POST and a PUT each) and down one after another over one kept-alive connection, as Docker's client
  moves layers, with the credentials on every request (per-request cost). Endpoints: `registry.me:5080` plain HTTP (the registry
  role in the guide's first mode), `registry.me:5000` with TLS + htpasswd (the guide's third mode), our
  `nginx.me`, and nginx with the guide's own `registry.conf` (`bench/guide/registry.conf`, verbatim) on
  `nginx.me:8443` in front of the same registry, certificate and users. The order of endpoints rotates
  from run to run.
- **Authentication**: the same small blobs through `registry.me:5000` and `nginx.me` as a user whose
  bcrypt hash has each cost in {COSTS} (`bench/auth.yml` adds them beside the lab's users), and over
  plain HTTP, in one run; the ratio to plain HTTP is taken run by run.
- **nginx variants**: nginx.me's own configuration (the proxy role's, as on the host) with directives
  taken out or added, each in its own nginx on docker03 (`bench/nginx_variants.yml`: same image,
  certificate, users, network and registry), against nginx.me as configured; pulls only. While the 8
  concurrent pulls run through the registry's own TLS and through nginx.me, the CPU seconds of the
  processes involved are read from `/proc` (the client's curls from its shell's `times`).
- **Scale-out**: on the `ha` scenario's lab (its inventory settings, and the lab's object store:
  SeaweedFS's S3 gateway and redis in one container on the same machine), the same client measures from
  docker01 through nginx.me, in front of its two registry replicas on S3, and, after a converge of
  docker03 with `registry_replicas: 1` and `registry_storage: filesystem`, in front of one registry on
  the host's disk. The order flips from run to run. Everything shares this machine's cores and disk, so
  this compares the setups' overhead, not what more machines would add.
- **Converge**: `ansible-playbook playbooks/site.yml` on a fresh lab (lab hosts just started: systemd,
  sshd and python3, no Docker engine) with the guide's settings (`inventory/group_vars/`), then again
  (no-op; changed=0 is checked), and `bench/guide/lab.sh` (the guide's commands as one shell script,
  same end state: Debian's engine installed on the three hosts at once, then the rest host by host) on
  another fresh lab; then cold converges with more client hosts. Both reach the hosts over SSH as root
  with the lab's key and Ansible's default SSH options (a master connection per host, kept 60 s). Wall
  time of the whole command; the project's `ansible.cfg` as users get it. CPU seconds: the command's own
  with everything it starts on this machine (`getrusage` of its children), and the machine's busy time
  from `/proc/stat` (the lab hosts run on the same cores).
- **Converge levers**: on a fresh lab converged by site.yml as shipped, no-op re-runs of it as shipped
  and with one thing changed: Mitogen's `mitogen_linear` strategy (from PyPI, `bench/requirements.txt`;
  not something the collection needs), pipelining off, no SSH master connection, and site.yml's engine,
  client, registry and proxy plays as one play of the `free` strategy (generated from site.yml), in an
  order that rotates from run to run; the playbook variant also converges a fresh lab cold. Ratios to
  site.yml as shipped are taken run by run. The no-op re-runs take place on the lab the converge part
  has just converged, and those of the 12-host levers on the scale part's lab of 12 client hosts.
- Each figure is the median of {RUNS} runs with min and max; ratios are computed run by run and then
  summarised.

## Results

{table}"""
    (DOCS / "benchmarks.md").write_text(text)


# The raw figures (their keys) of each group of parts; a run of some parts (BENCH_PARTS) keeps the other
# groups' from the last docs/benchmarks.json, with the machine and date they were measured on.
GROUPS = {"converge": ("converge guide scale", "converge converge_cpu"), "levers": ("levers", "levers_raw"),
          "dataplane": ("dataplane", "dataplane_raw"),
          "auth": ("auth", "auth_raw"), "nginx": ("nginx", "nginx_raw"), "scaleout": ("scaleout", "scaleout_raw")}


def keep_previous(results: dict) -> None:
    path = DOCS / "benchmarks.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    results["measured"] = {}
    for group, (parts, keys) in GROUPS.items():
        if any(part in PARTS for part in parts.split()):
            results["measured"][group] = results["machine"]
        elif any(key in previous for key in keys.split()):
            results.update({key: previous[key] for key in keys.split() if key in previous})
            results["measured"][group] = previous.get("measured", {}).get(group, previous["machine"])


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(exist_ok=True)
    log(f"runs={RUNS} clients={CLIENT_COUNTS} parts={PARTS}")
    started = time.monotonic()
    results = {"machine": machine(), "runs": RUNS}
    keep_previous(results)
    credentials = lab_credentials()
    bench_converge(results, credentials)
    if "scaleout" in PARTS:
        bench_scaleout(results)
    analyse(results)
    results["bench_seconds"] = round(time.monotonic() - started)
    (DOCS / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    chart(results, DOCS / "benchmarks.png")
    table = tables(results)
    write_docs(results, table)
    print(table)
    log(f"done in {results['bench_seconds']} s: docs/benchmarks.md, docs/benchmarks.png, docs/benchmarks.json")


if __name__ == "__main__":
    main()
