#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: registry_cache_clear
short_description: Delete the registry's blob descriptor cache in redis, and say which setting is wrong if that fails
description:
  - Deletes the keys that the Docker registry (distribution 2.8) writes in redis for its blob descriptor cache
    (C(storage.cache.blobdescriptor=redis)), C(blobs::<digest>), C(repository::<repo>::blobs) and
    C(repository::<repo>::blobs::<digest>), that is every key matching C(blobs::*) or C(repository::*) in O(db),
    and no other. It finds them with C(SCAN ... MATCH ... COUNT 1000) and deletes them in batches of 1000 with
    C(UNLINK) (C(DEL) on a redis older than 4.0). It never runs C(FLUSHDB), as the database may be shared.
  - Meant to run after C(registry garbage-collect), which deletes blobs from the storage but not from
    the cache, so the registry goes on describing deleted blobs (distribution#2945). The registry fills the cache
    again from the storage as it is asked for blobs.
  - A server that does not answer, refuses the password or has no database O(db) fails with a message that names
    the setting to check (O(names)).
  - Uses Python's standard library only (no C(redis) package); speaks RESP2 to the server itself.
version_added: 0.2.0
author:
  - dockerlab.registry maintainers (@dockerlab)
options:
  address:
    description:
      - C(host:port) of the redis server (C([address]:port) for an IPv6 address), as the registry's C(redis.addr).
    type: str
    required: true
  password:
    description:
      - Password of the redis server (C(requirepass), or the C(default) user's on Redis 6 and later), sent with
        C(AUTH). Empty for a server with none. It is in no message and no result.
    type: str
    default: ""
  db:
    description: Number of the redis database the registry uses (C(redis.db)), chosen with C(SELECT).
    type: int
    default: 0
  timeout:
    description: Seconds to wait for the server to connect and for each answer.
    type: int
    default: 10
  names:
    description:
      - The name to give each option in messages (such as V(registry_redis_address) for C(address)), so that a
        message names the setting the user wrote. Keys are this module's option names (C(address), C(password),
        C(db), C(timeout)); an option not given keeps its own name.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: In check mode it counts the keys and deletes none.
  diff_mode:
    support: none
    description: It shows no diff.
  platform:
    support: full
    platforms: posix
    description: Any host with Python 3 that can reach the redis server.
notes:
  - Run it after C(registry garbage-collect) has ended. The registry may be running; a key it writes during the scan
    may be deleted or not, which is harmless, as it describes a blob that is in the storage.
  - No TLS to redis (distribution 2.8 has none) and no ACL user name other than C(default).
"""

EXAMPLES = r"""
- name: Clear the registry's blob descriptor cache after the garbage collection
  dockerlab.registry.registry_cache_clear:
    address: "{{ registry_redis_address }}"
    password: "{{ registry_redis_password }}"
    db: "{{ registry_redis_db }}"
    names:
      address: registry_redis_address
      password: registry_redis_password
      db: registry_redis_db
  when: registry_redis_address | length > 0
"""

RETURN = r"""
keys:
  description: How many keys of the cache there were (C(blobs::*) and C(repository::*) in O(db)), before deleting.
  returned: success
  type: int
  sample: 312
deleted:
  description: How many keys were deleted; 0 in check mode.
  returned: success
  type: int
  sample: 312
"""

import re
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.dockerlab.registry.plugins.module_utils.redact import redact

OPTIONS = ('address', 'password', 'db', 'timeout')
PATTERNS = ('blobs::*', 'repository::*')   # the only keys of distribution's registry/storage/cache/redis
BATCH = 1000


class Failure(Exception):
    def __init__(self, msg):
        super(Failure, self).__init__(msg)
        self.msg = msg


class RedisError(Exception):
    """An error reply (-ERR ..., -NOAUTH ...) of the server."""


class ProtocolError(Exception):
    """What came back is no RESP2."""


class Redis(object):
    """One RESP2 connection: call() sends a command as an array of bulk strings and reads its reply."""

    def __init__(self, sock):
        self.sock, self.file = sock, sock.makefile('rb')

    def call(self, *args):
        args = [arg if isinstance(arg, bytes) else to_bytes(arg) for arg in args]
        self.sock.sendall(b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(arg), arg) for arg in args))
        reply = self.read()
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def read(self):
        line = self.file.readline(65536)
        if not line:
            raise ProtocolError('the connection closed')
        kind, rest = line[:1], line[1:-2]
        if line.endswith(b'\r\n') and kind == b'+':
            return to_text(rest, errors='replace')
        if line.endswith(b'\r\n') and kind == b'-':
            return RedisError(to_text(rest, errors='replace'))
        if not (line.endswith(b'\r\n') and kind in (b':', b'$', b'*') and re.match(br'^-?[0-9]+$', rest)):
            raise ProtocolError('it replied "%s"' % to_native(line[:80].strip(), errors='replace'))
        number = int(rest)
        if kind == b':':
            return number
        if number < 0:   # null bulk string or array
            return None
        if kind == b'*':
            return [self.read() for dummy in range(number)]
        data = self.file.read(number + 2)
        if len(data) != number + 2:
            raise ProtocolError('the connection closed')
        return data[:-2]


def parse_address(address, name):
    """(host, port, how messages show the address)."""
    shown = '%s (%s)' % (name('address'), address)
    match = re.match(r'^(?:\[([0-9A-Fa-f:.]+)\]|([^\s/:\[\]]+)):([0-9]{1,5})$', address or '')
    if not match or not 0 < int(match.group(3)) < 65536:
        raise Failure('%s is not host:port of a redis server (such as redis.example.com:6379).' % shown)
    return match.group(1) or match.group(2), int(match.group(3)), shown


def describe(error):
    if isinstance(error, socket.timeout):
        return 'timed out'
    if isinstance(error, socket.gaierror):
        return 'the name does not resolve (%s)' % to_native(error)
    if isinstance(error, ConnectionRefusedError):
        return 'connection refused'
    return to_native(error)


def explain(error, verb, params, name, shown):
    """A Failure for the server's error reply to verb, naming the setting to check."""
    text = str(error)
    if text.startswith('NOAUTH') and not params['password']:
        msg = ('the redis server at %s wants a password, and %s is empty: set it to the server\'s password'
               % (shown, name('password')))
    elif verb == 'AUTH' and ('without any password configured' in text or 'no password is set' in text):
        msg = ('%s is set, but the redis server at %s has no password: empty %s, or check that the server is the '
               'one meant' % (name('password'), shown, name('password')))
    elif verb == 'AUTH' or text.startswith('WRONGPASS') or 'invalid password' in text:
        msg = 'the redis server at %s refuses %s: it is wrong' % (shown, name('password'))
    elif verb == 'SELECT':
        msg = ('%s (%s) is not a database of the redis server at %s; give one below the server\'s "databases" '
               'setting (16 by default)' % (name('db'), params['db'], shown))
    else:
        msg = 'the redis server at %s refuses %s' % (shown, verb)
    return Failure('%s (%s).' % (msg, text))


def clear(params, names=None, check_mode=False):
    """Delete (in check mode only count) the cache's keys: {'keys': found, 'deleted': deleted}, or a Failure."""
    names = names or {}

    def name(option):
        return names.get(option) or option

    unknown = sorted(set(names) - set(OPTIONS))
    if unknown:
        raise Failure('names has keys that are no option of this module: %s (options: %s).'
                      % (', '.join(unknown), ', '.join(OPTIONS)))
    host, port, shown = parse_address(params['address'], name)
    if params['db'] < 0:
        raise Failure('%s must be a redis database number, 0 or more (got %s).' % (name('db'), params['db']))
    if params['timeout'] <= 0:
        raise Failure('%s must be a number of seconds above 0 (got %s).' % (name('timeout'), params['timeout']))
    try:
        sock = socket.create_connection((host, port), timeout=params['timeout'])
    except OSError as error:
        raise Failure('%s does not answer: %s.' % (shown, describe(error)))
    redis = Redis(sock)

    def call(verb, *args):
        try:
            return redis.call(verb, *args)
        except RedisError as error:
            raise explain(error, verb, params, name, shown)

    def delete(verb, batch):
        reply = redis.call(verb, *batch)
        if not isinstance(reply, int):
            raise ProtocolError('a reply to %s that is no number' % verb)
        return reply

    try:
        if params['password']:
            call('AUTH', params['password'])
        if params['db']:
            call('SELECT', str(params['db']))
        keys = set()
        for pattern in PATTERNS:
            cursor = b'0'
            while True:
                reply = call('SCAN', cursor, 'MATCH', pattern, 'COUNT', str(BATCH))
                if not (isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], list)):
                    raise ProtocolError('a reply to SCAN that is not [cursor, keys]')
                cursor = reply[0]
                keys.update(reply[1])   # SCAN may return a key twice
                if cursor in (b'0', None):
                    break
        keys, deleted, verb = sorted(keys), 0, 'UNLINK'
        if not check_mode:
            for start in range(0, len(keys), BATCH):
                batch = keys[start:start + BATCH]
                try:
                    deleted += delete(verb, batch)
                except RedisError as error:
                    if verb != 'UNLINK' or 'unknown command' not in str(error).lower():
                        raise explain(error, verb, params, name, shown)
                    verb = 'DEL'   # redis before 4.0 has no UNLINK
                    deleted += delete(verb, batch)
    except RedisError as error:   # from the DEL after UNLINK
        raise explain(error, 'DEL', params, name, shown)
    except ProtocolError as error:
        raise Failure('%s does not answer as a redis server: %s.' % (shown, error))
    except OSError as error:   # a timeout or reset after the connection was made
        raise Failure('%s does not answer: %s.' % (shown, describe(error)))
    finally:
        sock.close()
    return dict(keys=len(keys), deleted=deleted)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            address=dict(type='str', required=True),
            password=dict(type='str', default='', no_log=True),
            db=dict(type='int', default=0),
            timeout=dict(type='int', default=10),
            names=dict(type='dict', default={}),
        ),
        supports_check_mode=True,
    )
    secret = module.params['password']
    names = dict((key, to_text(value)) for key, value in (module.params['names'] or {}).items() if value)
    try:
        result = clear(module.params, names, module.check_mode)
    except Failure as failure:
        module.fail_json(msg=redact(failure.msg, secret), changed=False)
    changed = (result['keys'] if module.check_mode else result['deleted']) > 0
    module.exit_json(changed=changed, **result)


if __name__ == '__main__':
    main()
