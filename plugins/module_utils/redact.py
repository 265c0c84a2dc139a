# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).
"""Hide a secret in a module's message or result: each occurrence in a string, in a dict's values too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def redact(value, secret):
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, '********')
    if isinstance(value, dict):
        return dict((key, redact(item, secret)) for key, item in value.items())
    return value
