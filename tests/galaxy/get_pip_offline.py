"""Offline stand-in for get-pip.py, which ansible-test downloads to bootstrap pip in
its sanity virtualenvs: ensurepip, then the requested pip from the configured index."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *ARGS])
