# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).
"""The TOML reader the modules use: Python 3.11's tomllib, else the tomli package, else none."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import tomllib as toml_reader  # pylint: disable=unused-import
    HAS_TOML = True
except ImportError:
    try:
        import tomli as toml_reader  # pylint: disable=unused-import
        HAS_TOML = True
    except ImportError:
        toml_reader = None
        HAS_TOML = False
