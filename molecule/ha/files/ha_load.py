#!/usr/bin/env python3
"""Pull and push through registries while they restart, from a client host, and count failures.

Usage: ha_load.py CONFIG   (a JSON file; the password comes from DOCKERLAB_LOAD_PASSWORD)

CONFIG: {"targets": [{"name", "base" (https://host), "repo", "manifest" (a digest),
"upload_repo"}], "user", "cafile", "stop_file", "max_seconds", "pull_threads", "pause",
"manifest_threads", "manifest_pause"}.
First it reads each target's manifest and takes its largest layer. Then for each target,
until STOP_FILE exists or MAX_SECONDS pass: PULL_THREADS threads GET that layer's blob (its
bytes must hash to its digest), MANIFEST_THREADS GET the manifest every MANIFEST_PAUSE
seconds (a pull's first request: many small ones, so that a short outage is seen), and one thread uploads a new 64 KiB blob
in three requests (POST, PATCH, PUT), each on its own kept-alive TLS connection with basic
auth. A pull fails when it gets no answer, a status other than 200, or bytes of another
digest. Prints one JSON object: per target, the counts, the first failures, and the upload
UUIDs that completed (their POST, PATCH and PUT can be looked up in registries' logs).
"""
import base64
import hashlib
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

config = json.load(open(sys.argv[1], encoding="utf-8"))
auth = "Basic " + base64.b64encode(f"{config['user']}:{os.environ['DOCKERLAB_LOAD_PASSWORD']}".encode()).decode()
context = ssl.create_default_context(cafile=config["cafile"])
start = time.monotonic()
results = {t["name"]: {"pulls": [], "uploads": []} for t in config["targets"]}
lock = threading.Lock()


def running():
    return not os.path.exists(config["stop_file"]) and time.monotonic() - start < config["max_seconds"]


class Client:
    """One kept-alive connection, as Docker's client (Go's net/http) keeps one.

    Like Go's Transport, a GET or HEAD sent on a connection that had served a request
    before, and closed with no answer at all, is sent once more on a new connection: the
    server (nginx, on a reload) may close an idle kept-alive connection just as a request
    goes out on it. Those resends are counted (Client.resent); any other error, or a second
    failure, is a failure.
    """

    resent = 0

    def __init__(self, base):
        self.host = urllib.parse.urlsplit(base).netloc
        self.conn = None
        self.reused = False

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body), or (None, {}, error) when no answer came."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, timeout=30, context=context)
                self.reused = False
            reused = self.reused
            try:
                self.conn.request(method, path, body=body, headers={"Authorization": auth, **(headers or {})})
                answer = self.conn.getresponse()
                self.reused = True
                return answer.status, answer.headers, answer.read()
            except Exception as err:  # refused, reset, timed out: no HTTP answer
                self.conn.close()
                self.conn = None
                closed = isinstance(err, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt == 1 and reused and closed and method in ("GET", "HEAD"):
                    with lock:
                        Client.resent += 1
                    continue
                return None, {}, repr(err).encode()


def pull(target, kind):
    """GET a layer (kind "blobs") or the manifest (kind "manifests") in a loop; its bytes must hash to its digest."""
    digest = target["digest"] if kind == "blobs" else target["manifest"]
    headers = {"Accept": MANIFEST_TYPES} if kind == "manifests" else {}
    pause = config["pause"] if kind == "blobs" else config["manifest_pause"]
    client = Client(target["base"])
    while running():
        t = round(time.monotonic() - start, 2)
        status, _, body = client.request("GET", f"/v2/{target['repo']}/{kind}/{digest}", headers=headers)
        event = {"t": t, "status": status, "ok": status == 200, "manifest": kind == "manifests"}
        if status == 200 and "sha256:" + hashlib.sha256(body).hexdigest() != digest:
            event.update(ok=False, corrupt=True)
        if not event["ok"]:
            event["error"] = body[:200].decode(errors="replace")
        with lock:
            results[target["name"]]["pulls"].append(event)
        time.sleep(pause)


def upload(target):
    client = Client(target["base"])
    while running():
        t = round(time.monotonic() - start, 2)
        data = os.urandom(65536)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        event = {"t": t, "ok": False}
        status, headers, body = client.request("POST", f"/v2/{target['upload_repo']}/blobs/uploads/",
                                               headers={"Content-Length": "0"})
        if status == 202:
            event["uuid"] = headers.get("Docker-Upload-UUID")
            location = urllib.parse.urlsplit(headers["Location"])
            status, headers, body = client.request(
                "PATCH", location.path + "?" + location.query, body=data,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
            if status == 202:
                location = urllib.parse.urlsplit(headers["Location"])
                query = location.query + "&digest=" + urllib.parse.quote(digest)
                status, headers, body = client.request("PUT", location.path + "?" + query,
                                                       headers={"Content-Length": "0"})
                event["ok"] = status == 201
        if not event["ok"]:
            event.update(status=status, error=body[:200].decode(errors="replace"))
        with lock:
            results[target["name"]]["uploads"].append(event)
        time.sleep(config["pause"])


MANIFEST_TYPES = ", ".join(["application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.oci.image.manifest.v1+json"])
for target in config["targets"]:
    status, _, body = Client(target["base"]).request(
        "GET", f"/v2/{target['repo']}/manifests/{target['manifest']}", headers={"Accept": MANIFEST_TYPES})
    if status != 200:
        sys.exit(f"{target['name']}: the manifest {target['repo']}@{target['manifest']} answered {status}: {body[:200]}")
    target["digest"] = max(json.loads(body)["layers"], key=lambda layer: layer["size"])["digest"]

threads = [threading.Thread(target=pull, args=(t, "blobs")) for t in config["targets"] for _ in range(config["pull_threads"])]
threads += [threading.Thread(target=pull, args=(t, "manifests"))
            for t in config["targets"] for _ in range(config["manifest_threads"])]
threads += [threading.Thread(target=upload, args=(t,)) for t in config["targets"]]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

report = {"seconds": round(time.monotonic() - start, 1), "resent_on_closed_connection": Client.resent,
          "blobs": {t["name"]: t["digest"] for t in config["targets"]}}
for name, got in results.items():
    pulls, uploads = got["pulls"], got["uploads"]
    report[name] = {
        "pulls": len(pulls), "pulls_failed": sum(not e["ok"] for e in pulls),
        "manifest_pulls": sum(e.get("manifest", False) for e in pulls),
        "corrupt": sum(e.get("corrupt", False) for e in pulls),
        "pull_failures": [e for e in pulls if not e["ok"]][:5],
        "failed_from_to": [f([e["t"] for e in pulls if not e["ok"]], default=None) for f in (min, max)],
        "uploads": len(uploads), "uploads_failed": sum(not e["ok"] for e in uploads),
        "upload_failures": [e for e in uploads if not e["ok"]][:5],
        "uploaded_uuids": [e["uuid"] for e in uploads if e["ok"]],
    }
print(json.dumps(report))
