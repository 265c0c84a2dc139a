#!/usr/bin/env python3
"""Watch a registry through a garbage collection's read-only window, from a client host.

Usage: readonly_watch.py BASE_URL REPOSITORY BLOB_DIGEST UPLOAD_REPOSITORY STOP_FILE MAX_SECONDS

Until STOP_FILE exists (or MAX_SECONDS pass), every 0.1 s: a pull, GET of the blob
BLOB_DIGEST of REPOSITORY whose bytes must hash to that digest, and a push's first
step, POST /v2/UPLOAD_REPOSITORY/blobs/uploads/ (an accepted upload is cancelled at
once). Prints one JSON object: the first refused upload (status, content type, body)
and a summary. The read-only window runs from the first refused upload to the last; in
it, every pull must be good. Outside it, requests that got no answer at all met a
restart (the switch into the window and out of it).
"""
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request

base, repo, digest, upload_repo, stop_file, max_seconds = sys.argv[1:7]
events, refusal = [], None
start = time.monotonic()


def request(method, url):
    """(status, headers, body) of a request; status None and the error for no answer."""
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()
    except Exception as err:  # refused, reset, timed out: no HTTP answer
        return None, {}, repr(err).encode()


while not os.path.exists(stop_file) and time.monotonic() - start < float(max_seconds):
    now = round(time.monotonic() - start, 2)
    status, _, body = request("GET", f"{base}/v2/{repo}/blobs/{digest}")
    good = status == 200 and "sha256:" + hashlib.sha256(body).hexdigest() == digest
    events.append({"t": now, "kind": "pull", "status": status, "ok": good,
                   "error": None if status else body.decode(errors="replace")})
    status, headers, body = request("POST", f"{base}/v2/{upload_repo}/blobs/uploads/")
    events.append({"t": now, "kind": "upload", "status": status,
                   "error": None if status else body.decode(errors="replace")})
    if status == 202 and headers.get("Location"):
        location = headers["Location"]
        request("DELETE", location if location.startswith("http") else base + location)
    elif status not in (202, None) and refusal is None:
        refusal = {"status": status, "content_type": headers.get("Content-Type"),
                   "body": body.decode(errors="replace").strip()}
    time.sleep(0.1)

refused = [e["t"] for e in events if e["kind"] == "upload" and e["status"] not in (202, None)]
pulls = [e for e in events if e["kind"] == "pull"]
uploads = [e for e in events if e["kind"] == "upload"]
summary = {"seconds": round(time.monotonic() - start, 1), "requests": len(events), "pulls": len(pulls),
           "pulls_failed": sum(not e["ok"] for e in pulls), "no_answer": sum(e["status"] is None for e in events),
           "uploads_refused": len(refused), "window": None, "window_seconds": 0, "window_pulls": 0,
           "window_pulls_failed": 0, "window_failures": [], "accepted_before": 0, "accepted_after": 0,
           "other_in_window": []}
if refused:
    first, last = refused[0], refused[-1]
    inside = [e for e in pulls if first <= e["t"] <= last]
    summary.update({
        "window": [first, last], "window_seconds": round(last - first, 1), "window_pulls": len(inside), "window_pulls_failed": sum(not e["ok"] for e in inside),
        "window_failures": [e for e in inside if not e["ok"]][:5],
        "accepted_before": sum(e["status"] == 202 for e in uploads if e["t"] < first),
        "accepted_after": sum(e["status"] == 202 for e in uploads if e["t"] > last),
        "other_in_window": sorted({e["status"] for e in uploads if first <= e["t"] <= last} - {405}, key=str)})
print(json.dumps({"refusal": refusal, "summary": summary}))
