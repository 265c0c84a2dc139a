#!/usr/bin/env python3
"""Tests of the module htpasswd_users, run as Ansible runs it, on files in a temporary directory.

It writes bcrypt hashes at the cost asked for that the passwords verify against, keeps a hash
while the password verifies at that cost (a second run changes nothing), writes every user
again when the cost changes, keeps the lines of users it is not given in their order, removes
absent users, writes a given hash as given, changes nothing in check mode, and never prints a
password.

Run: python tests/plugins/test_htpasswd_users.py (with ansible-core and bcrypt importable, as in the
project's .venv, and the .collections link that `make setup` makes). Prints one line per check and
closes with "N passed, N failed".
"""

import json
import os
import stat
import subprocess
import sys
import tempfile

import bcrypt

from checks import contains, equal, finish, load_module, module_env, test

_, MODULE = load_module('htpasswd_users')

PASSWORD = 'S3cr3t-htpasswd-pw'
OTHER = 'an0ther-S3cr3t'
DIR = tempfile.mkdtemp(prefix='htpasswd-test.')
PATH = os.path.join(DIR, 'htpasswd')
GIVEN = bcrypt.hashpw(b'given-elsewhere', bcrypt.gensalt(rounds=4)).decode().replace('$2b$', '$2y$', 1)  # htpasswd -B's


def run_module(check=False, without_bcrypt=False, **args):
    """The module as Ansible runs it: its arguments in a JSON file, its result on stdout; without_bcrypt, as on a
    host without the bcrypt package (a bcrypt.py first on the path that fails to import)."""
    env = module_env()
    if without_bcrypt:
        shadow = os.path.join(DIR, 'no-bcrypt')
        os.makedirs(shadow, exist_ok=True)
        with open(os.path.join(shadow, 'bcrypt.py'), 'w') as handle:
            handle.write('raise ImportError("no bcrypt here")\n')
        env['PYTHONPATH'] = shadow + os.pathsep + env['PYTHONPATH']
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_check_mode=check)}, handle)
    try:
        done = subprocess.run([sys.executable, MODULE, handle.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=60)
    finally:
        os.unlink(handle.name)
    output = done.stdout.decode() + done.stderr.decode()
    assert PASSWORD not in output and OTHER not in output, 'a password is in the output'
    return json.loads(done.stdout)


def lines():
    with open(PATH) as handle:
        return dict(line.rstrip('\n').split(':', 1) for line in handle)


def verifies(password, hashed):
    return bcrypt.checkpw(password.encode(), hashed.encode())


@test('a new file: each user hashed at the cost asked for, verifying, mode 0600')
def _():
    result = run_module(path=PATH, users=[dict(name='alice', password=PASSWORD), dict(name='bob', password=OTHER)],
                        cost=5)
    equal((result['changed'], result['added'], result['updated']), (True, ['alice', 'bob'], []), result)
    users = lines()
    equal(sorted(users), ['alice', 'bob'])
    contains(users['alice'], '$2b$05$')
    assert verifies(PASSWORD, users['alice']) and verifies(OTHER, users['bob'])
    equal(stat.S_IMODE(os.stat(PATH).st_mode), 0o600, 'mode')


@test('a second run keeps the hashes: not changed')
def _():
    before = lines()
    result = run_module(path=PATH, users=[dict(name='alice', password=PASSWORD), dict(name='bob', password=OTHER)],
                        cost=5)
    equal(result['changed'], False, result)
    equal(lines(), before)


@test('check mode with another cost: changed, both users to be updated, the file as it was')
def _():
    before = lines()
    result = run_module(check=True, path=PATH, cost=6,
                        users=[dict(name='alice', password=PASSWORD), dict(name='bob', password=OTHER)])
    equal((result['changed'], result['updated']), (True, ['alice', 'bob']), result)
    equal(lines(), before)


@test('another cost: every listed user written again at that cost, still verifying')
def _():
    result = run_module(path=PATH, cost=6, users=[dict(name='alice', password=PASSWORD),
                                                  dict(name='bob', password=OTHER)])
    equal((result['changed'], result['updated']), (True, ['alice', 'bob']), result)
    users = lines()
    assert users['alice'].startswith('$2b$06$') and verifies(PASSWORD, users['alice']), users['alice']


@test('another password: that user only is written again')
def _():
    result = run_module(path=PATH, cost=6, users=[dict(name='alice', password=OTHER),
                                                  dict(name='bob', password=OTHER)])
    equal((result['changed'], result['updated']), (True, ['alice']), result)
    assert verifies(OTHER, lines()['alice'])


@test('lines of users not listed stay, in their order; absent removes; a given hash is written as given')
def _():
    with open(PATH, 'a') as handle:
        handle.write('carol:%s\n' % GIVEN)
    result = run_module(path=PATH, cost=6, users=[dict(name='alice', state='absent'),
                                                  dict(name='dave', password_hash=GIVEN)])
    equal((result['changed'], result['added'], result['removed']), (True, ['dave'], ['alice']), result)
    with open(PATH) as handle:
        equal([line.split(':')[0] for line in handle], ['bob', 'carol', 'dave'])
    equal(lines()['dave'], GIVEN)
    result = run_module(path=PATH, cost=6, users=[dict(name='alice', state='absent'),
                                                  dict(name='dave', password_hash=GIVEN)])
    equal(result['changed'], False, result)


@test('a mode asked for is set on an existing file')
def _():
    result = run_module(path=PATH, cost=6, mode='0640', users=[dict(name='dave', password_hash=GIVEN)])
    equal(result['changed'], True, result)
    equal(stat.S_IMODE(os.stat(PATH).st_mode), 0o640, 'mode')


@test('a cost out of 4-31 is refused, the file untouched')
def _():
    before = lines()
    result = run_module(path=PATH, cost=3, users=[dict(name='erin', password=PASSWORD)])
    equal(result.get('failed'), True, result)
    contains(result['msg'], 'cost must be 4 to 31 (got 3)')
    equal(lines(), before)


@test('without bcrypt on the host: check mode reports the users with a password as to be written; a real run '
      'fails naming bcrypt, the file untouched')
def _():
    before = lines()
    users = [dict(name='bob', password=OTHER), dict(name='dave', password_hash=GIVEN)]
    result = run_module(check=True, without_bcrypt=True, path=PATH, cost=6, users=users)
    equal((result.get('failed'), result['changed'], result['updated']), (None, True, ['bob']), result)
    result = run_module(without_bcrypt=True, path=PATH, cost=6, users=users)
    equal(result.get('failed'), True, result)
    contains(result['msg'], 'bcrypt')
    equal(lines(), before)


finish()
