#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: file_set
short_description: Write a set of small files in one call, each checked before any is replaced
description:
  - Makes each listed file hold the given content, owner, group and mode, creating its directory (and missing
    parents) with O(directory_mode), and giving the file's own directory that owner, group and mode.
  - One call for the whole set, where M(ansible.builtin.copy) in a loop makes two or more per file. Meant for
    many small configuration files (a CA certificate per registry, a C(hosts.toml) per registry).
  - Every file whose content would change is checked first (O(files[].format)); if one fails, nothing is written.
  - Each file is replaced atomically. With O(files[].backup), a file whose content changes is first copied to a
    timestamped backup beside it.
version_added: 0.2.0
author:
  - dockerlab.registry maintainers (@dockerlab)
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: The file's absolute path.
        type: path
        required: true
      content:
        description: The file's whole content.
        type: str
        required: true
      mode:
        description: The file's mode, as an octal string.
        type: str
        default: "0644"
      backup:
        description: Keep a timestamped copy of the old file when its content changes.
        type: bool
        default: false
      format:
        description:
          - C(toml) parses the new content as TOML before anything is written (with Python 3.11's C(tomllib) or the
            C(tomli) package; without either the check is skipped, as M(ansible.builtin.template)'s C(validate)
            with a C(tomllib) one-liner would be). C(text) checks nothing.
        type: str
        choices: [text, toml]
        default: text
  owner:
    description: Owner of every file and of each file's directory.
    type: str
    default: root
  group:
    description: Group of every file and of each file's directory.
    type: str
    default: root
  directory_mode:
    description: Mode of each file's directory and of the parents the module creates.
    type: str
    default: "0755"
attributes:
  check_mode:
    support: full
    description: Reports what would change, with diffs.
  diff_mode:
    support: full
    description: The old and new content of each file that changes.
  platform:
    support: full
    platforms: posix
    description: Any POSIX host.
notes:
  - No content is hidden from diffs or results; do not use it for secrets.
"""

EXAMPLES = r"""
- name: Trust a CA for two registries
  dockerlab.registry.file_set:
    files:
      - path: /etc/docker/certs.d/registry.me:5000/ca.crt
        content: "{{ ca_pem }}"
      - path: /etc/docker/certs.d/nginx.me/ca.crt
        content: "{{ ca_pem }}"
"""

RETURN = r"""
changed_paths:
  description: The files and directories whose content or attributes changed (or would change, in check mode).
  returned: success
  type: list
  elements: str
  sample: [/etc/docker/certs.d/nginx.me/ca.crt]
backups:
  description: Backup file of each replaced file that had O(files[].backup).
  returned: success
  type: dict
  sample: {/etc/containerd/certs.d/nginx.me/hosts.toml: /etc/containerd/certs.d/nginx.me/hosts.toml.1234.2026-11-30@12:00:00~}
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.dockerlab.registry.plugins.module_utils.toml import HAS_TOML, toml_reader


def read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def check_format(module, spec, data):
    if spec['format'] == 'toml' and HAS_TOML:
        try:
            toml_reader.loads(data.decode('utf-8'))
        except Exception as error:  # the parser's own message names line and column
            module.fail_json(msg='%s: the new content is not valid TOML, so no file was written: %s'
                             % (spec['path'], to_native(error)))


def attributes(module, path, mode, owner, group):
    return module.load_file_common_arguments({'path': path, 'mode': mode, 'owner': owner, 'group': group})


def ensure_directory(module, path, params, diff_list):
    """Create path (and parents) and set its attributes; True when anything changed."""
    changed = False
    if not os.path.isdir(path):
        changed = True
        diff_list.append({'before_header': path, 'after_header': path, 'before': {'state': 'absent'},
                          'after': {'state': 'directory'}})
        if module.check_mode:
            return True
        os.makedirs(path, int(params['directory_mode'], 8))
    return module.set_fs_attributes_if_different(
        attributes(module, path, params['directory_mode'], params['owner'], params['group']), changed)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type='list', elements='dict', required=True, options=dict(
                path=dict(type='path', required=True),
                content=dict(type='str', required=True),
                mode=dict(type='str', default='0644'),
                backup=dict(type='bool', default=False),
                format=dict(type='str', default='text', choices=['text', 'toml']),
            )),
            owner=dict(type='str', default='root'),
            group=dict(type='str', default='root'),
            directory_mode=dict(type='str', default='0755'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    paths = [spec['path'] for spec in params['files']]
    duplicates = sorted(set(path for path in paths if paths.count(path) > 1))
    if duplicates:
        module.fail_json(msg='files lists a path more than once: %s' % ', '.join(duplicates))
    relative = [path for path in paths if not os.path.isabs(path)]
    if relative:
        module.fail_json(msg='files[].path must be absolute: %s' % ', '.join(relative))
    directories = [path for path in paths if os.path.isdir(path)]
    if directories:
        module.fail_json(msg='files[].path names a directory, not a file: %s' % ', '.join(directories))

    # Every new content is checked before anything is written.
    planned = []
    for spec in params['files']:
        data = to_bytes(spec['content'])
        old = read(spec['path'])
        if old != data:
            check_format(module, spec, data)
        planned.append((spec, data, old))

    changed_paths, backups, diff_list = [], {}, []
    directories_done = set()   # each directory's attributes are set once
    for spec, data, old in planned:
        path = spec['path']
        directory = os.path.dirname(path)
        if directory not in directories_done:
            directories_done.add(directory)
            if ensure_directory(module, directory, params, diff_list):
                changed_paths.append(directory)
        changed = False
        if old != data:
            changed = True
            diff_list.append({'before_header': path, 'after_header': path,
                              'before': '' if old is None else to_native(old, errors='surrogate_or_replace'),
                              'after': to_native(data, errors='surrogate_or_replace')})
            if not module.check_mode:
                if old is not None and spec['backup']:
                    backups[path] = module.backup_local(path)
                handle, temp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path))
                with os.fdopen(handle, 'wb') as out:
                    out.write(data)
                module.atomic_move(temp, path)
        if not (module.check_mode and old is None):
            changed = module.set_fs_attributes_if_different(
                attributes(module, path, spec['mode'], params['owner'], params['group']), changed)
        if changed:
            changed_paths.append(path)

    module.exit_json(changed=bool(changed_paths), changed_paths=changed_paths, backups=backups,
                     diff=diff_list)


if __name__ == '__main__':
    main()
