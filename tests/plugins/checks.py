"""What the tests of the modules share: loading a module by its path, the checks, and the closing count.

A test imports it as `from checks import ...` (run as `python tests/plugins/test_x.py`, this folder is on
sys.path). The modules import the collection's module_utils as ansible_collections.dockerlab.registry...,
which resolve through ROOT/.collections, the link that `make setup` makes.
"""

import contextlib
import importlib.util
import os
import socket
import sys
import traceback

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
COLLECTIONS = os.path.join(ROOT, '.collections')

results = []


def load_module(name):
    """plugins/modules/NAME.py, imported from its file with .collections on sys.path; (module, its path)."""
    if not os.path.isdir(os.path.join(COLLECTIONS, 'ansible_collections', 'dockerlab', 'registry')):
        sys.exit('%s/ansible_collections/dockerlab/registry is missing: run `make setup` (it links the collection '
                 'there, for the modules\' ansible_collections.dockerlab.registry imports)' % COLLECTIONS)
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    path = os.path.join(ROOT, 'plugins', 'modules', name + '.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as error:
        sys.exit('cannot import the module (%s): run this with ansible-core importable, e.g. in the .venv' % error)
    return module, path


def module_env():
    """The environment for a module run as a subprocess: this one with .collections on PYTHONPATH."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([COLLECTIONS] + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def test(name):
    def wrap(function):
        try:
            function()
        except Exception:
            results.append(False)
            print('FAIL %s\n%s' % (name, traceback.format_exc()))
        else:
            results.append(True)
            print('ok   %s' % name)
        return function
    return wrap


def equal(got, wanted, what=''):
    assert got == wanted, '%s\n  got:    %r\n  wanted: %r' % (what, got, wanted)


def contains(text, *parts):
    for part in parts:
        assert part in text, 'missing %r in:\n  %s' % (part, text)


def free_port():
    """A loopback TCP port that nothing listens on (as it was a moment ago)."""
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@contextlib.contextmanager
def silent_port():
    """A loopback TCP port that accepts a connection and never answers, while the with block runs."""
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(1)
    try:
        yield silent.getsockname()[1]
    finally:
        silent.close()


def finish(skipped=0):
    """Print "N passed, N failed[, N skipped]" and exit 1 if any failed."""
    passed, failed = results.count(True), results.count(False)
    print('%d passed, %d failed%s' % (passed, failed, ', %d skipped' % skipped if skipped else ''))
    sys.exit(1 if failed else 0)
