"""CSIT's ``QemuManager`` library, imported as CSIT's suites import it, for the qemu-utils-remote server.

A CSIT 2019 suite's import::

    Import Library | resources.libraries.python.QemuManager | ${nodes} | WITH NAME | vnf_manager

ports as a change of the library's name only::

    Import Library    <qemu-utils-remote>/keywords/QemuManager.py    ${nodes}    WITH NAME    vnf_manager

The import is session ``vnf_manager`` (its name; ``pabot<N>/vnf_manager`` under pabot) of the server at
``${QEMU_REMOTE_URI}``. The first keyword called in a test (``vnf_manager.Construct VMs on all nodes``) first
runs ``Qemu Manager Init`` with the import's arguments, as the original's TEST CASE scope made a new manager per
test. See ``QemuImportedSession.py``; ``robot --dryrun`` and editors work with no server running.
"""

import inspect
import os
import sys

if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from QemuImportedSession import ImportedSession  # noqa: E402
from QemuUtilsRemote import __version__  # noqa: E402,F401


def _constructor(self, nodes, **settings):
    """The original constructor's argument: ``nodes``, the CSIT topology dict; ``settings`` are ``Qemu Manager
    Init``'s named settings (``accel``, ``contract``, ...). The session is the import's name, under
    ``${QEMU_REMOTE_URI}``."""


class QemuManager(ImportedSession):
    """A VM manager of the qemu-utils-remote server, created by ``Qemu Manager Init`` from the import's arguments."""

    CREATE_KEYWORD = 'qemu_manager_init'
    FALLBACK_SESSION = 'vnf_manager'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    __init__.__signature__ = inspect.signature(_constructor)
    __init__.__doc__ = _constructor.__doc__
