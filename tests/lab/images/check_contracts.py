#!/usr/bin/env python3
"""Check images against the contracts in contracts.yml (next to this script).

Usage: check_contracts.py [-f CONTRACTS] [--image NAME=REF ...] [NAME ...]

NAME is an image of the contracts file (default: all of them); --image checks NAME's
contract against another reference (e.g. --image nginx:latest=docker.io/library/nginx:1.27).
Each clause is checked with `docker image inspect` or in throwaway containers
(`docker run --rm`, or a detached one removed afterwards). Prints one line per
clause and, on failure, the image, the clause, its upstream source and what was
seen; exits 1 when a clause fails, 2 on bad usage. Needs Python 3 with PyYAML
(ansible-core's dependency: the project's .venv and Debian's python3-yaml have it)
and the docker CLI.
"""

import argparse
import fnmatch
import hashlib
import json
import os
import posixpath
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("check_contracts.py needs PyYAML: run it with the project's .venv/bin/python or install python3-yaml")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT_USERS = {"", "0", "root", "0:0", "root:root", "root:0", "0:root"}
DOCKER_TIMEOUT = 120


class ClauseFailed(Exception):
    """A clause does not hold; the message says what was seen."""


def docker(*args, stdin=None, check=False, timeout=DOCKER_TIMEOUT):
    proc = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        raise ClauseFailed(f"`docker {' '.join(args[:2])} ...` failed (rc {proc.returncode}): {proc.stderr.strip()}")
    return proc


def show(value, limit=600):
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ---------------------------------------------------------------- nginx -T dumps

def nginx_statements(text):
    """Statements of one nginx configuration file: (words, local context, is_block)."""
    out, stack, word, words = [], [], [], []
    i, quote = 0, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                word.append(text[i:i + 2])
                i += 2
                continue
            word.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            word.append(ch)
        elif ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif ch.isspace() or ch in ";{}":
            if word:
                words.append("".join(word))
                word = []
            if ch == ";":
                if words:
                    out.append((words, list(stack), False))
                words = []
            elif ch == "{":
                out.append((words, list(stack), True))
                stack.append(words[0] if words else "")
                words = []
            elif ch == "}":
                if stack:
                    stack.pop()
                words = []
        else:
            word.append(ch)
        i += 1
    return out


def nginx_dump(stdout):
    """All statements of an `nginx -T` dump as (file, words, absolute context, is_block),
    following include directives from the first (main) file down."""
    files, order, current = {}, [], None
    for line in stdout.splitlines(keepends=True):
        m = re.match(r"^# configuration file (.+):\s*$", line)
        if m:
            current = m.group(1)
            files[current] = []
            order.append(current)
        elif current is not None:
            files[current].append(line)
    if not order:
        raise ClauseFailed("no `# configuration file` sections in the output: not an `nginx -T` dump")
    parsed = {path: nginx_statements("".join(lines)) for path, lines in files.items()}
    main = order[0]
    prefix_dir = posixpath.dirname(main)
    prefixes = {main: []}
    pending = [main]
    while pending:
        path = pending.pop(0)
        for words, context, _block in parsed[path]:
            if words[0] != "include" or len(words) < 2:
                continue
            pattern = words[1].strip("\"'")
            if not pattern.startswith("/"):
                pattern = posixpath.join(prefix_dir, pattern)
            for other in order:
                if other not in prefixes and fnmatch.fnmatch(other, pattern):
                    prefixes[other] = prefixes[path] + context
                    pending.append(other)
    result = []
    for path in order:
        for words, context, block in parsed[path]:
            # A file nothing includes (should not happen in a dump) keeps its own context.
            result.append((path, words, prefixes.get(path, []) + context, block))
    return result


def check_nginx(stdout, wanted):
    statements = nginx_dump(stdout)
    problems = []
    for want in wanted:
        if "statement_regex" in want:
            target = want["statement_regex"]
            matches = lambda text, t=target: re.fullmatch(t, text) is not None  # noqa: E731
        else:
            target = " ".join(str(want["statement"]).split())
            matches = lambda text, t=target: text == t  # noqa: E731
        present = want.get("present", True)
        hits = [
            (path, ctx) for path, words, ctx, _block in statements
            if matches(" ".join(words))
            and ("file" not in want or path == want["file"])
            and ("context" not in want or ctx == list(want["context"]))
        ]
        where = (f" in {want['file']}" if "file" in want else "") + (
            f" in context {' > '.join(want['context']) or 'main'}" if "context" in want else "")
        if present and not hits:
            first = re.split(r"[\s\\^(]", target.lstrip("^"))[0]
            seen = sorted({f"`{' '.join(w)}` in {p} [{' > '.join(c) or 'main'}]" for p, w, c, _b in statements
                           if w and w[0] == first})
            problems.append(f"`{target}` not found{where}; `{first}` statements seen: "
                            + (", ".join(seen) if seen else "none"))
        if not present and hits:
            problems.append(f"`{target}` found{where}, the contract says none: "
                            + ", ".join(f"{p} [{' > '.join(c) or 'main'}]" for p, c in hits))
    if problems:
        raise ClauseFailed("; ".join(problems))


# ---------------------------------------------------------------- expectations

def check_expect(result, expect, what):
    """result: (rc, stdout, stderr)."""
    rc, stdout, stderr = result
    expect = expect or {}
    want_rc = expect.get("rc", 0)
    if rc != want_rc:
        raise ClauseFailed(f"{what} exited {rc}, expected {want_rc}; stdout: {show(stdout) or '(none)'}; "
                           f"stderr: {show(stderr) or '(none)'}")
    if "stdout" in expect and stdout.strip() != str(expect["stdout"]).strip():
        raise ClauseFailed(f"{what} printed {show(stdout) or '(nothing)'!r}, expected {str(expect['stdout'])!r}"
                           + (f"; stderr: {show(stderr)}" if stderr.strip() else ""))
    if "stdout_regex" in expect and not re.search(expect["stdout_regex"], stdout, re.M):
        raise ClauseFailed(f"{what}: no match for /{expect['stdout_regex']}/ in {show(stdout) or '(nothing)'!r}")
    if "stdout_no_regex" in expect and re.search(expect["stdout_no_regex"], stdout, re.M):
        raise ClauseFailed(f"{what}: /{expect['stdout_no_regex']}/ matches {show(stdout)!r}")
    if "lines_all" in expect:
        lines = [line.strip() for line in stdout.splitlines() if line.strip()]
        if not lines or any(line != expect["lines_all"] for line in lines):
            raise ClauseFailed(f"{what} printed {lines or '(nothing)'}, expected every line to be "
                               f"{expect['lines_all']!r} (one at least)")
    if "nginx" in expect:
        check_nginx(stdout, expect["nginx"])


# ---------------------------------------------------------------- clause kinds

def normalise_config(key, value):
    if key in ("ExposedPorts", "Volumes"):
        return sorted(value or {})
    if key == "User":
        return "root" if (value or "") in ROOT_USERS else value
    if key in ("Entrypoint", "Cmd", "StopSignal") and value in ([], ""):
        return None
    return value


def check_config(config, clause):
    key = clause["key"]
    want = normalise_config(key, clause["equals"])
    got = normalise_config(key, config.get(key))
    if got != want:
        raise ClauseFailed(f"{key} is {json.dumps(got)}, the contract says {json.dumps(want)}")


class Runner:
    """docker run --rm, with identical runs done once."""

    def __init__(self, ref):
        self.ref = ref
        self.cache = {}

    def run(self, clause):
        args = ["run", "--rm"]
        if "stdin" in clause:
            args.append("-i")
        if "entrypoint" in clause:
            args += ["--entrypoint", clause["entrypoint"]]
        for name, value in sorted((clause.get("env") or {}).items()):
            args += ["-e", f"{name}={value}"]
        args += [self.ref, *[str(a) for a in clause.get("args", [])]]
        key = json.dumps([args, clause.get("stdin")])
        if key not in self.cache:
            proc = docker(*args, stdin=clause.get("stdin"))
            self.cache[key] = (proc.returncode, proc.stdout, proc.stderr)
        return self.cache[key], "docker " + " ".join(
            a if re.fullmatch(r"[\w@%+=:,./-]+", a) else repr(a) for a in args)


def http(url, method="GET", body=None, headers=None):
    """(status, headers, body) without proxies; HTTP errors are answers too."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class Service:
    """The image started detached with its own ENTRYPOINT/CMD."""

    def __init__(self, ref, spec):
        self.ref, self.spec, self.cid, self.base = ref, spec, None, None

    def start(self):
        args = ["run", "-d", "--label", "org.dockerlab.contract-check=1"]
        if self.spec.get("port"):
            args += ["-p", f"127.0.0.1::{self.spec['port']}"]
        for name, value in sorted((self.spec.get("env") or {}).items()):
            args += ["-e", f"{name}={value}"]
        proc = docker(*args, self.ref)
        if proc.returncode != 0:
            raise ClauseFailed(f"did not start (rc {proc.returncode}): {proc.stderr.strip()}")
        self.cid = proc.stdout.strip()
        if self.spec.get("port"):
            port = docker("port", self.cid, f"{self.spec['port']}/tcp", check=True).stdout.split()[0]
            self.base = "http://" + port.replace("0.0.0.0", "127.0.0.1")
        ready = self.spec.get("ready")
        deadline = time.monotonic() + (ready or {}).get("within", 10)
        last = "no answer"
        while True:
            state = json.loads(docker("inspect", "--format", "{{ json .State }}", self.cid, check=True).stdout)
            if not state.get("Running"):
                raise ClauseFailed(f"exited with {state.get('ExitCode')} right after start; logs: {self.logs_text()}")
            if not ready:
                return
            try:
                status, _h, _b = http(self.base + ready["path"])
                if status == ready["status"]:
                    return
                last = f"HTTP {status}"
            except OSError as err:
                last = str(err)
            if time.monotonic() > deadline:
                raise ClauseFailed(f"GET {ready['path']} did not answer {ready['status']} within {ready['within']} s "
                                   f"(last: {last}); logs: {self.logs_text()}")
            time.sleep(0.3)

    def logs(self):
        proc = docker("logs", self.cid)
        return proc.stdout, proc.stderr

    def logs_text(self):
        out, err = self.logs()
        return show(f"stdout: {out.strip() or '(none)'} | stderr: {err.strip() or '(none)'}", 1500)

    def clause(self, clause):
        if "http" in clause:
            spec = clause["http"]
            status, headers, body = http(self.base + spec["path"])
            if status != spec.get("status", 200):
                raise ClauseFailed(f"GET {spec['path']} answered {status}, expected {spec.get('status', 200)}: "
                                   f"{show(body.decode(errors='replace'))}")
            for name, value in (spec.get("headers") or {}).items():
                if headers.get(name) != value:
                    raise ClauseFailed(f"GET {spec['path']}: header {name} is {headers.get(name)!r}, expected {value!r}")
        elif "exec" in clause:
            argv = [str(a) for a in clause["exec"]]
            proc = docker("exec", self.cid, *argv)
            check_expect((proc.returncode, proc.stdout, proc.stderr), clause.get("expect"),
                         "docker exec " + " ".join(argv))
        elif "registry_upload" in clause:
            repo = clause["registry_upload"]["repository"]
            blob = b"dockerlab contract check\n"
            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            status, headers, body = http(f"{self.base}/v2/{repo}/blobs/uploads/", method="POST", body=b"")
            if status != 202 or not headers.get("Location"):
                raise ClauseFailed(f"POST /v2/{repo}/blobs/uploads/ answered {status} (expected 202 with a Location): "
                                   f"{show(body.decode(errors='replace'))}")
            location = urllib.parse.urljoin(self.base + "/", headers["Location"])
            location += ("&" if "?" in location else "?") + "digest=" + urllib.parse.quote(digest)
            status, _h, body = http(location, method="PUT", body=blob,
                                    headers={"Content-Type": "application/octet-stream"})
            if status != 201:
                raise ClauseFailed(f"PUT of the blob answered {status}, expected 201: {show(body.decode(errors='replace'))}")
        elif "logs" in clause:
            out, err = self.logs()
            spec = clause["logs"]
            if "stdout_regex" in spec and not re.search(spec["stdout_regex"], out, re.M):
                raise ClauseFailed(f"no /{spec['stdout_regex']}/ on the container's stdout: {show(out) or '(none)'}")
            if "stderr_regex" in spec and not re.search(spec["stderr_regex"], err, re.M):
                raise ClauseFailed(f"no /{spec['stderr_regex']}/ on the container's stderr: {show(err) or '(none)'}")
        else:
            raise ClauseFailed(f"unknown service clause: {sorted(clause)}")

    def stop(self, within):
        started = time.monotonic()
        docker("stop", "-t", str(int(within) + 10), self.cid, check=True)
        took = time.monotonic() - started
        if took > within:
            raise ClauseFailed(f"`docker stop` took {took:.1f} s, more than {within} s: the stop signal "
                               f"({self.stop_signal()}) does not end it")

    def stop_signal(self):
        return docker("inspect", "--format", "{{ .Config.StopSignal }}", self.cid).stdout.strip() or "SIGTERM"

    def remove(self):
        if self.cid:
            docker("rm", "-f", "-v", self.cid)


# ---------------------------------------------------------------- driver

class Report:
    def __init__(self, sources):
        self.sources, self.failures, self.count = sources, [], 0

    def record(self, image, name, source, func):
        self.count += 1
        try:
            func()
        except ClauseFailed as err:
            self.failures.append((image, name, source, str(err)))
            print(f"  FAIL  {name}\n        {err}\n        contract source: {self.sources.get(source, source)}",
                  flush=True)
            return False
        except (subprocess.TimeoutExpired, OSError) as err:
            self.failures.append((image, name, source, repr(err)))
            print(f"  FAIL  {name}\n        {err!r}", flush=True)
            return False
        print(f"  ok    {name}", flush=True)
        return True


def retrying(func, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return func()
        except ClauseFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def check_image(name, ref, contract, report):
    print(f"{name}" + (f" (as {ref})" if ref != name else ""), flush=True)
    inspect = docker("image", "inspect", "--format", "{{ json .Config }}", ref)
    if inspect.returncode != 0:
        report.record(name, "the image is there", None, lambda: (_ for _ in ()).throw(
            ClauseFailed(f"`docker image inspect {ref}` failed: {inspect.stderr.strip()}")))
        return
    config = json.loads(inspect.stdout) or {}
    for clause in contract.get("config") or []:
        label = f"config {clause['key']} = {json.dumps(clause['equals'])}"
        report.record(name, label, clause.get("source"), lambda c=clause: check_config(config, c))
    runner = Runner(ref)

    def run_clause(clause):
        result, what = runner.run(clause)
        check_expect(result, clause.get("expect"), what)

    for clause in contract.get("run") or []:
        report.record(name, clause["name"], clause.get("source"), lambda c=clause: run_clause(c))
    for spec in contract.get("services") or []:
        service = Service(ref, spec)
        prefix = f"[{spec.get('name', 'service')}] "
        try:
            if not report.record(name, prefix + "starts with its own entrypoint and command"
                                 + (f", GET {spec['ready']['path']} answers {spec['ready']['status']} within "
                                    f"{spec['ready']['within']} s" if spec.get("ready") else ""),
                                 spec.get("source"), service.start):
                continue
            for clause in spec.get("clauses") or []:
                report.record(name, prefix + clause["name"], clause.get("source"),
                              lambda c=clause: retrying(lambda: service.clause(c), c.get("retry", 5)))
            if spec.get("stop"):
                within = spec["stop"]["within"]
                report.record(name, prefix + f"`docker stop` ends it within {within} s", spec.get("source"),
                              lambda w=within: service.stop(w))
        finally:
            service.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-f", "--contracts", default=os.path.join(HERE, "contracts.yml"))
    parser.add_argument("--image", action="append", default=[], metavar="NAME=REF",
                        help="check NAME's contract against image REF")
    parser.add_argument("names", nargs="*", metavar="NAME")
    opts = parser.parse_args()
    with open(opts.contracts, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    images = data["images"]
    refs = {}
    for item in opts.image:
        name, sep, ref = item.partition("=")
        if not sep or name not in images:
            parser.error(f"--image {item}: expected NAME=REF with NAME one of {', '.join(images)}")
        refs[name] = ref
    unknown = [n for n in opts.names if n not in images]
    if unknown:
        parser.error(f"no contract for {', '.join(unknown)}; known: {', '.join(images)}")
    report = Report(data.get("sources") or {})
    started = time.monotonic()
    for name in opts.names or list(images):
        check_image(name, refs.get(name, name), images[name], report)
    print(f"\n{report.count} clauses, {len(report.failures)} failed ({time.monotonic() - started:.0f} s)")
    for image, clause, source, detail in report.failures:
        print(f"BROKEN CONTRACT {image}: {clause}: {detail}"
              + (f" (source: {source})" if source else ""), file=sys.stderr)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
