#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: htpasswd_users
short_description: Keep users in a bcrypt htpasswd file at a chosen cost, in one call
description:
  - Makes the listed users of an htpasswd file present with a bcrypt hash of their password at cost O(cost), present
    with a hash given as is, or absent. Lines of users not listed are kept as they are, in their order.
  - A user's hash is kept when the password verifies against it and it has the cost O(cost); otherwise the password
    is hashed again with a new random salt. Changing O(cost) so rewrites every listed user once.
  - The registry and nginx verify the password against the hash on every request, so the cost is the work each
    authenticated request pays (each step of 1 doubles it).
  - One call for the whole list; the file is replaced atomically.
version_added: 0.2.0
author:
  - dockerlab.registry maintainers (@dockerlab)
requirements:
  - The C(bcrypt) Python package on the host (Debian's C(python3-bcrypt)).
options:
  path:
    description: The htpasswd file. Its directory must exist.
    type: path
    required: true
  users:
    description: The users.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: User name (no colon or white space).
        type: str
        required: true
      password:
        description: Password, hashed with bcrypt at O(cost). It is in no message and no result.
        type: str
      password_hash:
        description: Instead of O(users[].password), a bcrypt hash written as given.
        type: str
      state:
        description: C(absent) removes the user's line.
        type: str
        choices: [present, absent]
        default: present
  cost:
    description: The bcrypt cost (log2 of the rounds) of the hashes this module makes, 4 to 31.
    type: int
    default: 5
  owner:
    description: Owner of the file; unset, an existing file keeps its owner and a new one is the module user's.
    type: str
  group:
    description: Group of the file; unset, an existing file keeps its group and a new one is the module user's.
    type: str
  mode:
    description: Mode of the file, as an octal string; unset, an existing file keeps its mode and a new one is 0600.
    type: str
attributes:
  check_mode:
    support: full
    description:
      - In check mode it verifies and reports which users would change, and writes nothing.
      - Without C(bcrypt) on the host (which a real run of the htpasswd role installs first), it reports every user
        with a password as to be written, rather than failing.
  diff_mode:
    support: none
    description: It shows no diff (the lines hold hashes).
  platform:
    support: full
    platforms: posix
    description: Any host with Python 3 and the C(bcrypt) package.
notes:
  - A present user needs exactly one of O(users[].password) and O(users[].password_hash); the roles that use this
    module check the list, with messages naming their setting, before anything changes.
"""

EXAMPLES = r"""
- name: Write the registry's users at cost 5 (htpasswd -B's)
  dockerlab.registry.htpasswd_users:
    path: /docker/auth/htpasswd
    users:
      - name: alice
        password: "{{ vault_alice_password }}"
      - name: ci
        password_hash: "$2y$05$..."
      - name: bob
        state: absent
    cost: 5
  no_log: true
"""

RETURN = r"""
added:
  description: Users that had no line and have one now.
  returned: always
  type: list
  elements: str
updated:
  description: Users whose line was written again (another password, another cost, or another given hash).
  returned: always
  type: list
  elements: str
removed:
  description: Users whose line was removed.
  returned: always
  type: list
  elements: str
"""

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import bcrypt
except ImportError:
    bcrypt = None

BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")


def read_lines(path):
    """The file's lines without their line ends; none for a file that is not there."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8").splitlines()
    except FileNotFoundError:
        return []


def keeps(old_hash, password, cost):
    """Whether a line's hash can stay: bcrypt at this cost, and the password verifies against it."""
    match = BCRYPT.match(old_hash or "")
    if bcrypt is None or not match or int(match.group(1)) != cost:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), old_hash.encode("ascii"))
    except ValueError:
        return False


def hash_password(password, cost):
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=cost, prefix=b"2b")).decode("ascii")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            users=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                password=dict(type="str", no_log=True),
                password_hash=dict(type="str", no_log=True),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            cost=dict(type="int", default=5),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path, cost = params["path"], params["cost"]
    if not 4 <= cost <= 31:
        module.fail_json(msg="cost must be 4 to 31 (got %d)" % cost)
    # Check mode on a host where a real run would install bcrypt first: every user with a password
    # is reported as to be written, as it cannot be verified yet.
    hashing = any(u["password"] is not None and u["state"] == "present" for u in params["users"])
    if bcrypt is None and hashing and not module.check_mode:
        module.fail_json(msg=missing_required_lib("bcrypt"))

    lines = read_lines(path)
    index = {}
    for number, line in enumerate(lines):
        name, sep = line.partition(":")[:2]
        if sep and name not in index:
            index[name] = number
    result = dict(added=[], updated=[], removed=[])
    drop = set()
    for user in params["users"]:
        name = user["name"]
        number = index.get(name)
        old_hash = lines[number].partition(":")[2] if number is not None else None
        if user["state"] == "absent":
            if number is not None:
                drop.add(number)
                result["removed"].append(name)
            continue
        if user["password_hash"] is not None:
            if old_hash == user["password_hash"]:
                continue
            new_line = "%s:%s" % (name, user["password_hash"])
        elif user["password"] is not None:
            if old_hash is not None and keeps(old_hash, user["password"], cost):
                continue
            new_line = "%s:%s" % (name, hash_password(user["password"], cost) if bcrypt else "(to be hashed)")
        else:
            module.fail_json(msg="user %s is present with neither password nor password_hash" % name)
        if number is None:
            index[name] = len(lines)
            lines.append(new_line)
            result["added"].append(name)
        else:
            lines[number] = new_line
            result["updated"].append(name)

    changed = bool(result["added"] or result["updated"] or result["removed"])
    if changed and not module.check_mode:
        content = "".join(line + "\n" for number, line in enumerate(lines) if number not in drop)
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".htpasswd.")
        with os.fdopen(handle, "wb") as out:
            out.write(content.encode("utf-8"))
        if os.path.exists(path):
            module.atomic_move(temp, path)   # keeps the file's owner, group and mode
        else:
            os.rename(temp, path)   # mkstemp's 0600: atomic_move would make a new file 0666 less the umask
    file_args = module.load_file_common_arguments(
        dict(path=path, owner=params["owner"], group=params["group"], mode=params["mode"]))
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args, changed)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
