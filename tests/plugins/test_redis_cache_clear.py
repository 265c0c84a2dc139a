#!/usr/bin/env python3
"""Tests of the module registry_cache_clear, with no redis server and no network but loopback.

Against a fake redis server on 127.0.0.1 (RESP2, in this process) that wants a password and
implements AUTH, SELECT, SCAN (MATCH, cursor paging a few keys a page, pages that overlap
so that a key comes twice), DEL and UNLINK: the module deletes exactly the registry's keys
(blobs::*, repository::*), leaves the others, counts in check mode, and each failure names
the setting (through `names`) and never holds the password. With a redis-server command on
this host, one more check runs against a real one on a free port.

Run: python tests/plugins/test_redis_cache_clear.py (with ansible-core importable, as in the
project's .venv, and the .collections link that `make setup` makes). Prints one line per check and
closes with "N passed, N failed".
"""

import fnmatch
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

from checks import contains, equal, finish, free_port, load_module, module_env, silent_port, test

rcc, MODULE = load_module('registry_cache_clear')

PASSWORD = 'S3cr3t-redis-pw'
NAMES = dict(address='registry_redis_address', password='registry_redis_password', db='registry_redis_db',
             timeout='registry_redis_timeout')
REGISTRY_KEYS = [b'blobs::sha256:aa', b'blobs::sha256:bb', b'blobs::sha256:cc',
                 b'repository::a/b::blobs', b'repository::a/b::blobs::sha256:aa',
                 b'repository::a/b::blobs::sha256:bb', b'repository::library/x::blobs',
                 b'repository::library/x::blobs::sha256:cc']
OTHER_KEYS = [b'session:1', b'myapp::blobs', b'blobs:sha256:single-colon', b'xblobs::sha256:aa', b'repository:x']

# --- The fake redis server -------------------------------------------------------------------------------------------
class Fake(object):
    """The server's state: databases {db: set of keys}, the password, and what was asked."""
    password = PASSWORD
    page = 3            # keys a SCAN page looks at, whatever COUNT says
    unlink = True       # False: a redis before 4.0
    commands = []

    @classmethod
    def reset(cls, password=PASSWORD, unlink=True):
        cls.password, cls.unlink, cls.commands = password, unlink, []
        cls.dbs = {0: set(REGISTRY_KEYS + OTHER_KEYS), 1: {b'blobs::sha256:d1', b'repository::c/d::blobs', b'other'}}


def encode(reply):
    if isinstance(reply, Exception):
        return b'-%s\r\n' % str(reply).encode()
    if isinstance(reply, int):
        return b':%d\r\n' % reply
    if isinstance(reply, bytes):
        return b'$%d\r\n%s\r\n' % (len(reply), reply)
    if isinstance(reply, str):
        return b'+%s\r\n' % reply.encode()
    return b'*%d\r\n' % len(reply) + b''.join(encode(item) for item in reply)


class FakeRedis(socketserver.StreamRequestHandler):
    def read_command(self):
        line = self.rfile.readline()
        if not line:
            return None
        assert line.startswith(b'*'), 'not an array of bulk strings: %r' % line
        args = []
        for dummy in range(int(line[1:])):
            size = self.rfile.readline()
            assert size.startswith(b'$'), 'not a bulk string: %r' % size
            args.append(self.rfile.read(int(size[1:]) + 2)[:-2])
        return args

    def handle(self):
        authed, db = Fake.password is None, 0
        while True:
            args = self.read_command()
            if args is None:
                return
            verb = args[0].upper().decode()
            Fake.commands.append([verb] + args[1:])
            keys = Fake.dbs.setdefault(db, set())
            if verb == 'AUTH':
                if Fake.password is None:
                    reply = Exception('ERR AUTH <password> called without any password configured for the default '
                                      'user. Are you sure your configuration is correct?')
                elif args[1:] == [Fake.password.encode()]:
                    authed, reply = True, 'OK'
                else:
                    reply = Exception('WRONGPASS invalid username-password pair or user is disabled.')
            elif not authed:
                reply = Exception('NOAUTH Authentication required.')
            elif verb == 'SELECT':
                if 0 <= int(args[1]) < 16:
                    db, reply = int(args[1]), 'OK'
                else:
                    reply = Exception('ERR DB index is out of range')
            elif verb == 'SCAN':
                options = dict(zip(args[2::2], args[3::2]))
                pattern = options.get(b'MATCH', b'*').decode()
                ordered = sorted(keys)
                start = int(args[1])
                end = start + Fake.page
                page = [key for key in ordered[start:end] if fnmatch.fnmatchcase(key.decode(), pattern)]
                if start:   # overlapping pages, as SCAN may return a key twice
                    page += [key for key in ordered[start - 1:start] if fnmatch.fnmatchcase(key.decode(), pattern)]
                reply = [str(end if end < len(ordered) else 0).encode(), page]
            elif verb == 'UNLINK' and not Fake.unlink:
                reply = Exception("ERR unknown command 'UNLINK', with args beginning with: '%s' "
                                  % args[1].decode())
            elif verb in ('DEL', 'UNLINK'):
                reply = len(keys & set(args[1:]))
                keys.difference_update(args[1:])
            else:
                reply = Exception("ERR unknown command '%s'" % verb)
            self.wfile.write(encode(reply))


socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer.allow_reuse_address = True
server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), FakeRedis)
threading.Thread(target=server.serve_forever, daemon=True).start()
ADDRESS = '127.0.0.1:%d' % server.server_address[1]


def params(**changes):
    result = dict(address=ADDRESS, password=PASSWORD, db=0, timeout=5)
    result.update(changes)
    return result


def fails(names=NAMES, **changes):
    try:
        rcc.clear(params(**changes), names)
    except rcc.Failure as failure:
        assert PASSWORD not in failure.msg, 'the password is in: %s' % failure.msg
        print('       msg: %s' % failure.msg)
        return failure
    raise AssertionError('no failure')


@test('deletes exactly the registry\'s keys, over several SCAN pages with COUNT 1000, with UNLINK')
def _():
    Fake.reset()
    equal(rcc.clear(params(), NAMES), dict(keys=len(REGISTRY_KEYS), deleted=len(REGISTRY_KEYS)))
    equal(Fake.dbs[0], set(OTHER_KEYS), 'keys left')
    scans = [command for command in Fake.commands if command[0] == 'SCAN']
    assert len(scans) > 4, 'SCAN was not paged: %r' % scans
    equal(sorted(set(command[3] for command in scans)), [b'blobs::*', b'repository::*'], 'MATCH patterns')
    assert all(command[4:] == [b'COUNT', b'1000'] for command in scans), scans
    equal([command[0] for command in Fake.commands if command[0] in ('DEL', 'UNLINK', 'FLUSHDB')], ['UNLINK'])
    equal(Fake.commands[0], ['AUTH', PASSWORD.encode()], 'first command')


@test('second run: nothing found, nothing deleted')
def _():
    Fake.commands = []
    equal(rcc.clear(params(), NAMES), dict(keys=0, deleted=0))
    assert not [command for command in Fake.commands if command[0] in ('DEL', 'UNLINK')]


@test('check mode: counts the keys, deletes none')
def _():
    Fake.reset()
    equal(rcc.clear(params(), NAMES, check_mode=True), dict(keys=len(REGISTRY_KEYS), deleted=0))
    equal(Fake.dbs[0], set(REGISTRY_KEYS + OTHER_KEYS))
    assert not [command for command in Fake.commands if command[0] in ('DEL', 'UNLINK')]


@test('batches of 1000: 2500 keys, 3 UNLINKs')
def _():
    Fake.reset()
    Fake.page = 400
    try:
        Fake.dbs[0].update(b'blobs::sha256:%04d' % number for number in range(2500 - len(REGISTRY_KEYS)))
        equal(rcc.clear(params(), NAMES), dict(keys=2500, deleted=2500))
    finally:
        Fake.page = 3
    equal([len(command) - 1 for command in Fake.commands if command[0] == 'UNLINK'], [1000, 1000, 500])
    equal(Fake.dbs[0], set(OTHER_KEYS))


@test('a redis without UNLINK (before 4.0): DEL')
def _():
    Fake.reset(unlink=False)
    equal(rcc.clear(params(), NAMES), dict(keys=len(REGISTRY_KEYS), deleted=len(REGISTRY_KEYS)))
    equal(Fake.dbs[0], set(OTHER_KEYS))


@test('db 1: only db 1\'s keys; db 0 leaves db 1 alone')
def _():
    Fake.reset()
    equal(rcc.clear(params(db=1), NAMES), dict(keys=2, deleted=2))
    equal(Fake.dbs[1], {b'other'})
    equal(Fake.dbs[0], set(REGISTRY_KEYS + OTHER_KEYS))
    contains(repr(Fake.commands), "['SELECT', b'1']")
    Fake.reset()
    rcc.clear(params(), NAMES)
    equal(len(Fake.dbs[1]), 3)
    assert 'SELECT' not in [command[0] for command in Fake.commands], 'SELECT sent for db 0'


@test('db the server does not have: names the db setting')
def _():
    Fake.reset()
    contains(fails(db=16).msg, 'registry_redis_db (16) is not a database of the redis server at '
             'registry_redis_address (%s)' % ADDRESS, 'ERR DB index is out of range')
    contains(fails(db=-1).msg, 'registry_redis_db must be a redis database number, 0 or more (got -1)')


@test('wrong password: names the password setting, never holds the password')
def _():
    Fake.reset(password=PASSWORD + 'x')
    contains(fails().msg, 'refuses registry_redis_password: it is wrong', 'WRONGPASS')
    equal(Fake.dbs[0], set(REGISTRY_KEYS + OTHER_KEYS))


@test('no password, but the server wants one: NOAUTH names the password setting')
def _():
    Fake.reset()
    contains(fails(password='').msg, 'wants a password, and registry_redis_password is empty', 'NOAUTH')


@test('a password, but the server has none: says to empty the password setting')
def _():
    Fake.reset(password=None)
    contains(fails().msg, 'registry_redis_password is set, but the redis server at registry_redis_address (%s) has '
             'no password' % ADDRESS)
    equal(rcc.clear(params(password=''), NAMES)['deleted'], len(REGISTRY_KEYS))


@test('nothing listening: names the address setting, connection refused')
def _():
    port = free_port()
    contains(fails(address='127.0.0.1:%d' % port).msg,
             'registry_redis_address (127.0.0.1:%d) does not answer: connection refused' % port)


@test('a name that does not resolve: does not answer')
def _():
    contains(fails(address='name.invalid:6379').msg, 'registry_redis_address (name.invalid:6379) does not answer: '
             'the name does not resolve')


@test('timeout: a server that never answers')
def _():
    with silent_port() as port:
        contains(fails(address='127.0.0.1:%d' % port, timeout=1).msg, 'does not answer: timed out')


@test('not a redis server (an HTTP one): does not answer as a redis server')
def _():
    http = socket.socket()
    http.bind(('127.0.0.1', 0))
    http.listen(1)

    def answer():
        connection = http.accept()[0]
        connection.recv(4096)
        connection.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
        connection.close()
    threading.Thread(target=answer, daemon=True).start()
    try:
        contains(fails(address='127.0.0.1:%d' % http.getsockname()[1]).msg,
                 'does not answer as a redis server: it replied "HTTP/1.1 400 Bad Request"')
    finally:
        http.close()


@test('bad addresses are refused before connecting')
def _():
    for address in ['redis.example.com', 'redis://h:6379', 'h:port', 'h:0', 'h:65536', ':6379', 'h:6379/0',
                    'a b:6379', '::1:6379', '']:
        contains(fails(address=address).msg, 'registry_redis_address (%s) is not host:port of a redis server'
                 % address)
    equal(rcc.parse_address('[::1]:6379', lambda n: n)[:2], ('::1', 6379))
    equal(rcc.parse_address('redis-1.example:6380', lambda n: n)[:2], ('redis-1.example', 6380))


@test('no names given: messages use the options\' own names; unknown names key is refused')
def _():
    Fake.reset()
    contains(fails(names={}, password='').msg, 'and password is empty')
    contains(fails(names={'adress': 'x'}).msg, 'names has keys that are no option of this module: adress')


@test('redact hides the password wherever it is')
def _():
    equal(rcc.redact({'a': 'x%sy' % PASSWORD, 'b': 3}, PASSWORD), {'a': 'x********y', 'b': 3})
    equal(rcc.redact('x', ''), 'x')


def run_module(**args):
    """The module as Ansible runs it: its arguments in a JSON file, its result on stdout."""
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    try:
        done = subprocess.run([sys.executable, MODULE, handle.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=module_env(), timeout=60)
    finally:
        os.unlink(handle.name)
    assert PASSWORD not in done.stdout.decode() + done.stderr.decode(), 'the password is in the output'
    return json.loads(done.stdout)


@test('as a module: check mode changed with deleted 0; then changed; then not changed')
def _():
    Fake.reset()
    args = dict(address=ADDRESS, password=PASSWORD, names=NAMES)
    result = run_module(_ansible_check_mode=True, **args)
    equal((result['changed'], result['keys'], result['deleted']), (True, len(REGISTRY_KEYS), 0), result)
    result = run_module(**args)
    equal((result['changed'], result['keys'], result['deleted']), (True, len(REGISTRY_KEYS), len(REGISTRY_KEYS)))
    result = run_module(**args)
    equal((result['changed'], result['keys'], result['deleted']), (False, 0, 0))


@test('as a module: a failure names the setting and holds no password')
def _():
    Fake.reset(password=PASSWORD + 'x')
    result = run_module(address=ADDRESS, password=PASSWORD, names=NAMES)
    assert result.get('failed'), result
    contains(result['msg'], 'refuses registry_redis_password')


# --- A real redis-server, when this host has one ------------------------------------------------------------------
skipped = 0
if shutil.which('redis-server'):
    tmp = tempfile.mkdtemp()
    port = free_port()
    real = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD,
                             '--save', '', '--appendonly', 'no', '--dir', tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @test('real redis-server: deletes the registry\'s keys, hashes and sets, in db 2, and no others')
    def _():
        address = '127.0.0.1:%d' % port
        for dummy in range(100):
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        connection = rcc.Redis(socket.create_connection(('127.0.0.1', port), timeout=5))
        connection.call('AUTH', PASSWORD)
        connection.call('SELECT', '2')
        for number in range(1500):
            connection.call('HSET', 'blobs::sha256:%04d' % number, 'digest', 'sha256:%04d' % number, 'size', '1')
            connection.call('HSET', 'repository::a/b::blobs::sha256:%04d' % number, 'digest', 'x')
        connection.call('SADD', 'repository::a/b::blobs', *['sha256:%04d' % number for number in range(1500)])
        for key in OTHER_KEYS:
            connection.call('SET', key, 'x')
        connection.call('SELECT', '0')
        connection.call('SET', 'blobs::sha256:in-db-0', 'x')
        contains(fails(address=address, password='wrong', db=2).msg, 'refuses registry_redis_password')
        contains(fails(address=address, password='', db=2).msg, 'wants a password', 'NOAUTH')
        contains(fails(address=address, db=99).msg, 'registry_redis_db (99) is not a database')
        equal(rcc.clear(params(address=address, db=2), NAMES, check_mode=True), dict(keys=3001, deleted=0))
        equal(rcc.clear(params(address=address, db=2), NAMES), dict(keys=3001, deleted=3001))
        equal(rcc.clear(params(address=address, db=2), NAMES), dict(keys=0, deleted=0))
        connection.call('SELECT', '2')
        equal(sorted(connection.call('KEYS', '*')), sorted(OTHER_KEYS))
        connection.call('SELECT', '0')
        equal(connection.call('KEYS', '*'), [b'blobs::sha256:in-db-0'])
        connection.sock.close()

    real.terminate()
    real.wait(10)
    shutil.rmtree(tmp)
else:
    skipped = 1
    print('skip the real redis-server check: no redis-server command on this host')

server.shutdown()
finish(skipped)
