"""CSIT's ``QemuUtils`` library, imported as CSIT's suites import it, for the qemu-utils-remote server.

A CSIT 2019 suite's import::

    Import Library | resources.libraries.python.QemuUtils | ${node} | qemu_id=1 | smp=2 | mem=2048 | WITH NAME | vm1

ports as a change of the library's name only::

    Import Library    <qemu-utils-remote>/keywords/QemuUtils.py    ${node}    qemu_id=1    smp=2    mem=2048    WITH NAME    vm1

The import is session ``vm1`` (its name; ``pabot<N>/vm1`` under pabot) of the server at ``${QEMU_REMOTE_URI}``
(default ``http://127.0.0.1:8270``). Its arguments are the original constructor's, plus any named setting of
``Qemu Init`` (``accel=tcg``, ``kernel_args=...``); the first keyword called in a test (``vm1.Qemu Add Vhost User
If``) first runs ``Qemu Init`` with them, as the original's TEST CASE scope made a new instance per test.
See ``QemuImportedSession.py``; ``robot --dryrun`` and editors work with no server running.
"""

import inspect
import os
import sys

if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from QemuImportedSession import ImportedSession  # noqa: E402
from QemuUtilsRemote import __version__  # noqa: E402,F401


def _constructor(self, node, qemu_id=1, smp=1, mem=512, vnf=None, img='/var/lib/vm/vhost-nested.img',
                 bin_path='/usr/bin', **settings):
    """The original constructor's arguments: ``node`` (a CSIT node dict), ``qemu_id``, ``smp``, ``mem`` (MB),
    ``vnf``, ``img``, ``bin_path``; ``settings`` are ``Qemu Init``'s named settings (``accel``, ``cpu_model``,
    ``kernel_args``, ``vm_type``, ``contract``, ...). Only the arguments given are sent: the others keep the
    server's defaults. The session is the import's name, under ``${QEMU_REMOTE_URI}``."""


class QemuUtils(ImportedSession):
    """One VM of the qemu-utils-remote server, created by ``Qemu Init`` from the import's arguments."""

    CREATE_KEYWORD = 'qemu_init'
    FALLBACK_SESSION = 'QemuUtils'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    __init__.__signature__ = inspect.signature(_constructor)
    __init__.__doc__ = _constructor.__doc__
