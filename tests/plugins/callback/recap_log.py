"""Test helper: append each ansible-playbook run's recap to a JSON-lines file.

Molecule runs `check` and `idempotence` itself; this log lets a later step assert
what those runs reported (check mode: changed=0, failed=0) without running them again.
Enabled by the shared Molecule config; writes nothing unless DOCKERLAB_RECAP_LOG is set.
"""

from __future__ import annotations

import json
import os

from ansible import context
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: recap_log
type: aggregate
short_description: append the play recap to the file named by DOCKERLAB_RECAP_LOG
description: One JSON object per run, with the playbook, whether it ran in check mode, and each host's counts.
requirements: [enabled in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "recap_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._playbook = None

    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.basename(playbook._file_name)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("DOCKERLAB_RECAP_LOG")
        if not path:
            return
        record = {
            "playbook": self._playbook,
            "check": bool(context.CLIARGS.get("check")),
            "hosts": {host: stats.summarize(host) for host in sorted(stats.processed)},
        }
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
