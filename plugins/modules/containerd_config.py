#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: containerd_config
short_description: Point containerd's CRI plugin at a registry hosts directory, keeping the rest of config.toml
description:
  - Sets C(config_path) of the CRI plugin's registry table in containerd's C(config.toml), the directory
    where containerd reads one C(hosts.toml) per registry (C(certs.d/HOST:PORT/hosts.toml)).
  - Every other line of the file stays as it is, comments included. The module edits the file as text and then
    reads the result back as TOML; it writes only if the result parses, holds the wanted value, and holds every
    other setting of the old file unchanged. Otherwise it fails and leaves the file alone.
  - Knows both layouts containerd 1.x reads, C(version = 2) (plugin C(io.containerd.grpc.v1.cri)) and the older
    version 1 (plugin C(cri)).
  - Refuses a file that configures the CRI registry with C(mirrors) or C(configs), which containerd does not accept
    together with C(config_path).
  - A missing file is created with C(version = 2) and this one setting.
  - containerd reads C(config.toml) at start only; restart it when the module reports a change.
    The C(hosts.toml) files themselves are read on every pull.
version_added: 0.2.0
author:
  - dockerlab.registry maintainers (@dockerlab)
requirements:
  - Python 3.11 (C(tomllib)) or the C(tomli) package on the managed host.
options:
  path:
    description: containerd's configuration file.
    type: path
    default: /etc/containerd/config.toml
  config_path:
    description: The registry hosts directory to set.
    type: path
    required: true
  validate:
    description:
      - Before the new file replaces the old one, check it with C(containerd --config FILE config dump) when the
        C(containerd) binary is on the PATH.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports the change it would make, with a diff.
  diff_mode:
    support: full
    description: The old and new text of the file.
  platform:
    support: full
    platforms: posix
    description: Any host containerd runs on.
notes:
  - The CRI plugin reads C(config_path); C(ctr) takes the same directory with C(--hosts-dir).
"""

EXAMPLES = r"""
- name: Let containerd read /etc/containerd/certs.d
  dockerlab.registry.containerd_config:
    config_path: /etc/containerd/certs.d
  register: containerd_config

- name: Restart containerd when config.toml changed
  ansible.builtin.systemd_service:
    name: containerd
    state: restarted
  when: containerd_config is changed
"""

RETURN = r"""
table:
  description: The TOML table that holds C(config_path).
  returned: success
  type: str
  sample: plugins."io.containerd.grpc.v1.cri".registry
previous:
  description: The value of C(config_path) before the run (null when unset).
  returned: success
  type: str
  sample: null
"""

import copy
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockerlab.registry.plugins.module_utils.toml import HAS_TOML, toml_reader

CRI_V2 = 'io.containerd.grpc.v1.cri'
CRI_V1 = 'cri'


def table_keys(data):
    """The CRI plugin's name for the file's layout version."""
    return CRI_V2 if int(data.get('version', 1)) >= 2 else CRI_V1


def registry_table(data, plugin):
    return data.get('plugins', {}).get(plugin, {}).get('registry', {})


def without_config_path(data, plugin):
    data = copy.deepcopy(data)
    registry = data.get('plugins', {}).get(plugin, {}).get('registry')
    if isinstance(registry, dict):
        registry.pop('config_path', None)
        if not registry:
            del data['plugins'][plugin]['registry']
            if not data['plugins'][plugin]:
                del data['plugins'][plugin]
                if not data['plugins']:
                    del data['plugins']
    return data


def toml_string(value):
    return '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')


def edit(text, header, value):
    """Set config_path under the table `header`, as text; return the new text."""
    line = 'config_path = %s' % toml_string(value)
    lines = text.splitlines(True)
    header_re = re.compile(r'^\s*\[\s*' + r'\s*\.\s*'.join(
        '"?%s"?' % re.escape(part.strip('"')) for part in split_header(header)) + r'\s*\]\s*(#.*)?$')
    any_header = re.compile(r'^\s*\[')
    key_re = re.compile(r'^(\s*)config_path\s*=')
    for index, current in enumerate(lines):
        if not header_re.match(current):
            continue
        indent = re.match(r'^(\s*)', current).group(1) + '  '
        end = len(lines)
        for after in range(index + 1, len(lines)):
            if any_header.match(lines[after]):
                end = after
                break
        for at in range(index + 1, end):
            match = key_re.match(lines[at])
            if match:
                lines[at] = match.group(1) + line + '\n'
                return ''.join(lines)
        lines.insert(index + 1, indent + line + '\n')
        return ''.join(lines)
    if text and not text.endswith('\n'):
        text += '\n'
    return text + '\n[%s]\n  %s\n' % (header, line)


def split_header(header):
    """plugins."io.containerd.grpc.v1.cri".registry -> [plugins, "io.containerd.grpc.v1.cri", registry]"""
    return re.findall(r'"[^"]*"|[^.]+', header)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/containerd/config.toml'),
            config_path=dict(type='path', required=True),
            validate=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params['path']
    wanted = module.params['config_path']
    if not HAS_TOML:
        module.fail_json(msg='%s: reading TOML needs Python 3.11 (tomllib) or the tomli package on this host' % path)

    if os.path.exists(path):
        with open(path, 'rb') as handle:
            raw = handle.read()
        try:
            text = raw.decode('utf-8')
            old = toml_reader.loads(text)
        except (UnicodeDecodeError, ValueError) as error:
            module.fail_json(msg='%s is not valid TOML (%s); fix it, then run again' % (path, error))
    else:
        text = 'version = 2\n'
        old = {'version': 2}

    plugin = table_keys(old)
    header = 'plugins.%s.registry' % toml_string(plugin)
    current = registry_table(old, plugin)
    if not isinstance(current, dict):
        module.fail_json(msg='%s: %s is not a table' % (path, header))
    clashing = sorted(key for key in ('mirrors', 'configs') if key in current)
    if clashing:
        module.fail_json(
            msg='%s sets %s under [%s]: containerd does not accept that together with config_path. Move those '
                'registries into hosts.toml files (or let the role write them), remove %s, and run again'
                % (path, ' and '.join(clashing), header, ' and '.join(clashing)))

    previous = current.get('config_path')
    result = dict(changed=False, table=header, previous=previous)
    if previous == wanted:
        module.exit_json(**result)

    new_text = edit(text, header, wanted)
    try:
        new = toml_reader.loads(new_text)
    except ValueError as error:
        module.fail_json(msg='%s: setting config_path as text gave invalid TOML (%s); the file is left as it was. '
                             'Set [%s] config_path = %s yourself' % (path, error, header, toml_string(wanted)))
    if registry_table(new, plugin).get('config_path') != wanted or \
            without_config_path(new, plugin) != without_config_path(old, plugin):
        module.fail_json(msg='%s: the edited file would not hold exactly the old settings plus config_path; the file '
                             'is left as it was. Set [%s] config_path = %s yourself' % (path, header, toml_string(wanted)))

    result['changed'] = True
    if module._diff:
        result['diff'] = dict(before=text if os.path.exists(path) else '', after=new_text,
                              before_header=path, after_header=path)
    if module.check_mode:
        module.exit_json(**result)

    directory = os.path.dirname(path) or '.'
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.config.toml.')
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(new_text)
        if os.path.exists(path):
            mode = os.stat(path).st_mode & 0o7777
        else:
            mode = 0o644
        os.chmod(tmp, mode)
        binary = module.get_bin_path('containerd') if module.params['validate'] else None
        if binary:
            rc, out, err = module.run_command([binary, '--config', tmp, 'config', 'dump'])
            if rc != 0:
                module.fail_json(msg='%s: containerd refuses the new file (%s); the old one stays'
                                     % (path, (err or out).strip()), rc=rc)
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
