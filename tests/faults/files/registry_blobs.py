#!/usr/bin/python3
"""Prove a registry still holds every byte of some images: for each REPOSITORY@DIGEST
argument, fetch the manifest by digest and every blob it names over the registry's API,
and check each against its sha256. Credentials come from REGISTRY_USER/REGISTRY_PASSWORD,
TLS trust from the system store (the CA the collection installed). Prints one line per
image and exits 1 when anything is missing or differs. Standard library only: it runs on
a lab client (Debian's python3) through ansible.builtin.script.
"""

import base64
import hashlib
import http.client
import json
import os
import sys
import urllib.error
import urllib.request

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])


def fetch(url, accept=None):
    request = urllib.request.Request(url)
    user, password = os.environ["REGISTRY_USER"], os.environ["REGISTRY_PASSWORD"]
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def check(reference):
    name, digest = reference.split("@", 1)
    registry, repository = name.split("/", 1)
    base = f"https://{registry}/v2/{repository}"
    manifest = fetch(f"{base}/manifests/{digest}", MANIFEST_TYPES)
    if "sha256:" + hashlib.sha256(manifest).hexdigest() != digest:
        return f"manifest of {reference} does not hash to its digest"
    blobs = [json.loads(manifest)["config"]] + json.loads(manifest)["layers"]
    size = 0
    for blob in blobs:
        try:
            body = fetch(f"{base}/blobs/{blob['digest']}")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            return f"blob {blob['digest']} of {reference} could not be read: {error!r}"
        if "sha256:" + hashlib.sha256(body).hexdigest() != blob["digest"]:
            return f"blob {blob['digest']} of {reference} does not hash to its digest"
        size += len(body)
    return f"ok {reference}: manifest and {len(blobs)} blobs ({size} bytes) match their digests"


def main():
    failed = False
    for reference in sys.argv[1:]:
        try:
            line = check(reference)
        except (urllib.error.URLError, http.client.HTTPException, OSError, KeyError, ValueError) as error:
            line = f"{reference}: {error}"
        failed = failed or not line.startswith("ok ")
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
