"""Derive the offline build of the AWX execution environment from the users' definition.

tests/ee/build.sh runs this with .venv's Python. It reads awx/execution-environment.yml
and writes OUT/execution-environment.yml with only what this machine forces changed:

- images.base_image: the given base image (quay.io cannot be pulled here);
- dependencies.galaxy: the same collections as `type: file` artifacts in OUT/collections
  (Galaxy cannot be reached), and the collections they depend on: this collection from
  its Galaxy tarball, the others packed from the copies the `ansible` package installed;
  each must meet the version constraints; installed with --offline;
- pip installs from wheels downloaded on this machine (no index in the build: HTTPS to
  PyPI fails inside containers), copied to /output/offline-wheels in the base stage
  (ansible-builder's final stage removes /output), named in /etc/pip.conf during the build;
- with the Debian base (--debian): the base image's apt-get front end as the package
  manager, and pip from Debian's python3-pip (Debian disables ensurepip).

It also writes OUT/requirements.yml (the artifacts, which the derived definition names),
OUT/pip-seeds.txt (what ansible-builder pip-installs besides requirements) and
OUT/python-requirements.txt (the requirements of the collections and the definition, as
ansible-builder's introspection will find them in the image), and prints the image's
Python version and two keys: the wheel set's (what the wheels are resolved from) and the
image's (every input of the build), which build.sh compares with a label.
"""

import argparse
import copy
import gzip
import hashlib
import io
import json
import posixpath
import shutil
import sys
import sysconfig
import tarfile
from pathlib import Path

import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements
from ansible_builder._target_scripts import introspect

# What ansible-builder v3 itself pip-installs besides the requirements: the builder
# stage's tools, and dumb-init (options.container_init's default package_pip).
BUILDER_TOOLS = ["bindep", "pyyaml", "packaging"]
DEFAULT_INIT_PACKAGE = "dumb-init==1.2.5"
APT_DNF = "/usr/local/sbin/apt-dnf"
OFFLINE_WHEELS = "/output/offline-wheels"
# When python_path does not tell (/usr/bin/python3): Debian 12's and CentOS Stream 9's.
DEFAULT_PYTHON_VERSION = "3.11"


class Dumper(yaml.SafeDumper):
    """Lists indented under their key, as yamllint's default wants."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump(data) -> str:
    return "---\n" + yaml.dump(data, Dumper=Dumper, sort_keys=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed_collection(fqcn: str) -> Path:
    """The copy of a collection the `ansible` package installed in this Python."""
    namespace, name = fqcn.split(".")
    path = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections" / namespace / name
    if not (path / "MANIFEST.json").is_file():
        sys.exit(f"{fqcn}: not installed in {path.parent.parent} (the `ansible` package brings it)")
    return path


def pack(source: Path, dest: Path) -> None:
    """A Galaxy artifact (tar.gz) of an installed collection, byte for byte the same
    every time. The `ansible` package leaves out tests/, docs/ and CI files that
    FILES.json still lists, and ansible-galaxy refuses an artifact that lacks a listed
    file; so FILES.json lists what is there and MANIFEST.json gets its new checksum.
    The files kept are checked against the checksums Galaxy published."""
    manifest = json.loads((source / "MANIFEST.json").read_text())
    files = json.loads((source / "FILES.json").read_text())
    kept = []
    for entry in files["files"]:
        path = source / entry["name"]
        if entry["name"] == "." or not path.exists():
            continue
        if entry["ftype"] == "file" and sha256(path.read_bytes()) != entry["chksum_sha256"]:
            sys.exit(f"{path}: differs from the collection as published (FILES.json)")
        kept.append(entry)
    files_json = json.dumps({**files, "files": kept}, indent=4).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = sha256(files_json)
    manifest_json = json.dumps(manifest, indent=4).encode()

    def member(name: str, mode: int, ftype: bytes = tarfile.REGTYPE, size: int = 0) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.size, info.mtime = ftype, mode, size, 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in (("MANIFEST.json", manifest_json), ("FILES.json", files_json)):
                tar.addfile(member(name, 0o644, size=len(data)), io.BytesIO(data))
            for entry in kept:
                path = source / entry["name"]
                if entry["ftype"] == "dir":
                    tar.addfile(member(entry["name"], 0o755, tarfile.DIRTYPE))
                else:
                    data = path.read_bytes()
                    mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
                    tar.addfile(member(entry["name"], mode, size=len(data)), io.BytesIO(data))
    dest.write_bytes(raw.getvalue())


def artifact_manifest(artifact: Path) -> bytes:
    """MANIFEST.json of a Galaxy artifact (its first member: no need to read the rest)."""
    with tarfile.open(artifact, "r:gz") as tar:
        for member in tar:
            if member.name == "MANIFEST.json":
                data = tar.extractfile(member)
                if data is not None:
                    return data.read()
    sys.exit(f"{artifact}: no MANIFEST.json")


def requirement_files(artifact: Path, dest: Path) -> None:
    """What ansible-builder's introspection reads in a collection (meta/execution-environment.yml
    and the files it names, or requirements.txt and bindep.txt), taken from its artifact."""
    with tarfile.open(artifact, "r:gz") as tar:
        members = {member.name: member for member in tar if member.isfile()}

        def take(name: str) -> None:
            member = members.get(name)
            data = tar.extractfile(member) if member else None
            if data is not None and not name.startswith("../"):
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                (dest / name).write_bytes(data.read())

        for name in ("MANIFEST.json", "requirements.txt", "bindep.txt",
                     "meta/execution-environment.yml", "meta/execution-environment.yaml"):
            take(name)
        for meta in dest.glob("meta/execution-environment.y*ml"):
            ee = yaml.safe_load(meta.read_text()) or {}
            for ref in (ee.get("dependencies") or {}).values():
                if isinstance(ref, str):
                    take(posixpath.normpath(ref))


def cached_artifact(fqcn: str, cache: Path) -> Path:
    """The artifact of an installed collection, packed again only when that copy changed."""
    source = installed_collection(fqcn)
    version = json.loads((source / "MANIFEST.json").read_text())["collection_info"]["version"]
    files_sum = sha256((source / "FILES.json").read_bytes())[:16]
    artifact = cache / f"{fqcn.replace('.', '-')}-{version}.tar.gz"
    stamp = artifact.with_name(artifact.name + ".source")
    if not (artifact.is_file() and stamp.is_file() and stamp.read_text() == files_sum):
        cache.mkdir(parents=True, exist_ok=True)
        pack(source, artifact)
        stamp.write_text(files_sum)
    return artifact


def galaxy_collections(definition: dict, ee_dir: Path) -> list:
    galaxy = definition.get("dependencies", {}).get("galaxy")
    if isinstance(galaxy, str):
        galaxy = yaml.safe_load((ee_dir / galaxy).read_text())
    if not galaxy:
        return []
    if galaxy.get("roles"):
        sys.exit("roles from Galaxy cannot be installed here")
    return [c if isinstance(c, dict) else {"name": c} for c in galaxy.get("collections", [])]


def absolute(value, ee_dir: Path):
    """A requirements file named relative to the users' definition, named absolutely
    (the derived definition lives elsewhere); inline requirements stay as they are."""
    if isinstance(value, str) and not Path(value).is_absolute():
        return str((ee_dir / value).resolve())
    return value


def file_digest(value) -> str:
    if isinstance(value, str):
        return sha256(Path(value).read_bytes())
    return sha256(json.dumps(value, sort_keys=True).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--definition", required=True, type=Path)
    parser.add_argument("--tarball", required=True, type=Path, help="this collection's Galaxy tarball")
    parser.add_argument("--base-image", required=True)
    parser.add_argument("--base-image-id", required=True)
    parser.add_argument("--debian", action="store_true", help="the base is tests/ee's Debian image")
    parser.add_argument("--cache", required=True, type=Path)
    parser.add_argument("--platform", required=True, help="pip download's platform options")
    parser.add_argument("--extra-input", action="append", default=[], type=Path,
                        help="another file whose change means a rebuild (the scripts)")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    ee_dir = args.definition.resolve().parent
    users = yaml.safe_load(args.definition.read_text())
    if users.get("version") != 3:
        sys.exit(f"{args.definition}: only ansible-builder's version 3 format is handled")
    derived = copy.deepcopy(users)
    deps = derived.setdefault("dependencies", {})

    # Collections: artifacts in OUT/collections, one per collection the users list.
    tarball_manifest = artifact_manifest(args.tarball)
    info = json.loads(tarball_manifest)["collection_info"]
    own = f"{info['namespace']}.{info['name']}"
    collections_dir = args.out / "collections"
    collections_dir.mkdir(parents=True)
    introspected = args.out / "introspect"
    # The users' collections, then what they depend on (Galaxy would have resolved
    # those: community.docker needs community.library_inventory_filtering_v1, which the
    # `ansible` package also brings).
    requirements, manifests, seen = [], [], set()
    queue = [(c["name"], str(c.get("version", "*")), "the definition") for c in galaxy_collections(users, ee_dir)]
    while queue:
        fqcn, constraint, wanted_by = queue.pop(0)
        source = args.tarball if fqcn == own else cached_artifact(fqcn, args.cache / "collections")
        manifest = artifact_manifest(source)
        collection_info = json.loads(manifest)["collection_info"]
        if not meets_requirements(collection_info["version"], constraint):
            sys.exit(f"{fqcn} {collection_info['version']} from {source} does not meet {constraint} ({wanted_by})")
        if fqcn in seen:
            continue
        seen.add(fqcn)
        shutil.copyfile(source, collections_dir / source.name)
        requirements.append({"name": f"collections/{source.name}", "type": "file"})
        manifests.append(sha256(manifest))
        requirement_files(source, introspected / "ansible_collections" / fqcn.replace(".", "/"))
        queue += [(dep, str(version), fqcn) for dep, version in (collection_info.get("dependencies") or {}).items()]
    (args.out / "requirements.yml").write_text(dump({"collections": requirements}))
    deps["galaxy"] = "requirements.yml"
    for kind in ("python", "system"):
        if kind in deps:
            deps[kind] = absolute(deps[kind], ee_dir)

    # Python: what ansible-builder will pip-install, found as its introspection does in the
    # image (a superset if the definition excludes some), and the key of its wheel set.
    options = derived.setdefault("options", {})
    seeds = [deps[key]["package_pip"] for key in ("ansible_core", "ansible_runner") if key in deps]
    seeds.append(options.get("container_init", {}).get("package_pip", DEFAULT_INIT_PACKAGE))
    seeds += BUILDER_TOOLS
    (args.out / "pip-seeds.txt").write_text("".join(f"{seed}\n" for seed in seeds))
    python = deps.get("python", [])
    user_requirements = args.out / "user-requirements.txt"
    user_requirements.write_text(Path(python).read_text() if isinstance(python, str)
                                 else "".join(f"{line}\n" for line in python))
    found = introspect.process(data_dir=str(introspected), user_pip=str(user_requirements))
    python_requirements = introspect.filter_requirements(found["python"])
    (args.out / "python-requirements.txt").write_text("".join(f"{line}\n" for line in python_requirements))
    python_path = deps.get("python_interpreter", {}).get("python_path") or "/usr/bin/python3"
    python_version = Path(python_path).name.removeprefix("python")
    if not python_version.replace(".", "").isdigit() or "." not in python_version:
        python_version = DEFAULT_PYTHON_VERSION
    wheels_key = sha256(json.dumps([seeds, python_requirements, args.platform, python_version]).encode())[:16]
    wheels = args.cache / "wheels" / wheels_key

    # The offline overrides.
    derived.setdefault("images", {})["base_image"] = {"name": args.base_image}
    build_args = derived.setdefault("build_arg_defaults", {})
    galaxy_opts = build_args.get("ANSIBLE_GALAXY_CLI_COLLECTION_OPTS", "")
    build_args["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] = f"{galaxy_opts} --offline".strip()
    derived.setdefault("additional_build_files", []).extend([
        {"src": str(collections_dir.resolve()), "dest": "collections"},
        {"src": str(wheels), "dest": "wheels"},
    ])
    # pip's configuration, not ENV or ARG: the builder stage installs bindep before its
    # prepend steps, and ENV would stay in the image. The base stage writes /etc/pip.conf
    # (the builder and final stages start from it); the final stage puts back the base
    # image's own before ansible-builder removes /output.
    pip_conf = f"[global]\\nno-index = true\\nfind-links = {OFFLINE_WHEELS}\\n"
    steps = derived.setdefault("additional_build_steps", {})
    ours = {
        "prepend_base": [
            f"COPY _build/wheels/ {OFFLINE_WHEELS}/",
            "RUN if [ -e /etc/pip.conf ]; then mv /etc/pip.conf /output/pip.conf.base; fi"
            f" && printf '{pip_conf}' >/etc/pip.conf",
        ],
        # The final stage copies the builder's /output: not the wheels a second time.
        "append_builder": [f"RUN rm -rf {OFFLINE_WHEELS}"],
        "append_final": [
            "RUN rm /etc/pip.conf && if [ -e /output/pip.conf.base ]; then mv /output/pip.conf.base /etc/pip.conf; fi",
        ],
    }
    for section, lines in ours.items():
        theirs = steps.get(section, [])
        if isinstance(theirs, str):
            theirs = theirs.strip().splitlines()
        steps[section] = lines + theirs if section.startswith("prepend") else theirs + lines
    if args.debian:
        options["package_manager_path"] = APT_DNF
        options["skip_pip_install"] = True
    if not options:
        del derived["options"]

    text = f"# Generated by tests/ee/derive.py from {args.definition}: do not edit.\n" + dump(derived)
    (args.out / "execution-environment.yml").write_text(text)

    # Every input of the image: the derived definition (it names the base, the artifacts and
    # the wheel set), the contents behind it, the base image and the scripts.
    inputs = [
        text, args.base_image_id, wheels_key, manifests,
        file_digest(deps.get("python", [])), file_digest(deps.get("system", [])),
        [sha256(path.read_bytes()) for path in args.extra_input],
    ]
    print(python_version, wheels_key, sha256(json.dumps(inputs).encode())[:16])


if __name__ == "__main__":
    main()
