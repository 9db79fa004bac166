"""A session of the qemu-utils-remote server whose instance comes from the library's import arguments.

CSIT's suites create their VMs with the import itself (``Import Library | resources.libraries.python.QemuUtils
| ${node} | qemu_id=1 | ... | WITH NAME | vm1``): the library's constructor is the original ``QemuUtils``
constructor, and its TEST CASE scope gives each test a fresh one. ``QemuUtils.py`` and ``QemuManager.py``
(next to this file) are that import for the remote server; this module is what they share:

- the session is the import's name (the alias after ``WITH NAME`` / ``AS``, else the library's name), under
  ``${QEMU_REMOTE_URI}`` with the prefix rule of ``QemuSessionPaths.py``, so each import is a session of its
  own and pabot workers never meet;
- scope TEST CASE, as the originals: Robot makes a new library instance per test, and the first keyword
  called on an instance first runs the creating keyword (``Qemu Init`` / ``Qemu Manager Init``) with the
  import's arguments. That replaces whatever the session held (its VM is killed), as a new instance of the
  original replaced the old one. Calling the creating keyword explicitly as the first keyword runs it once;
- keywords and dry run as ``QemuUtilsRemote.py``: without a server (always under ``robot --dryrun``) they come
  from the stored spec, and the import's arguments are checked against the original constructor's.

Needs nothing beyond Robot Framework.
"""

import inspect
import os
import sys

from robot.libraries.BuiltIn import BuiltIn
from robot.libraries.Remote import XmlRpcRemoteClient

# Its siblings, also when this file is imported by module name from elsewhere.
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from QemuSessionPaths import remote_uri, session_url  # noqa: E402
from QemuUtilsRemote import QemuUtilsRemote, _IMPORTED_FROM_SPEC, _normalized  # noqa: E402


def import_name(instance):
    """The name the running suite imported ``instance``'s library under (its alias), or None."""
    try:
        libraries = BuiltIn()._namespace._kw_store.libraries
    except Exception:  # noqa: BLE001 - outside a Robot run, or a Robot whose internals differ
        return None
    for name, library in libraries.items():
        if getattr(library, '_instance', None) is instance:
            return name
    return None


class ImportedSession(QemuUtilsRemote):
    """Base of ``QemuUtils.py`` and ``QemuManager.py``: a session created from the import's arguments."""

    ROBOT_LIBRARY_SCOPE = 'TEST CASE'
    # The server's name of the keyword creating the session's instance, and the session when the import's
    # name cannot be found (outside a Robot run).
    CREATE_KEYWORD = None
    FALLBACK_SESSION = None

    def __init__(self, *args, **kwargs):
        self._create_args = list(args)
        self._create_kwargs = dict(kwargs)
        self._base_uri = remote_uri()
        super().__init__(self._base_uri)
        #: The session URL once the instance was created there (the listener closes it at the test's end).
        self.opened_session_uri = None

    def session_name(self):
        return import_name(self) or self.FALLBACK_SESSION

    def run_keyword(self, name, args, kwargs):
        if self.opened_session_uri is None:
            self._open_session()
            if _normalized(name) == _normalized(self.CREATE_KEYWORD):
                # The first call creates the instance itself: once, with its own arguments.
                self.opened_session_uri = self._uri
                return super().run_keyword(name, args, kwargs)
            super().run_keyword(self.CREATE_KEYWORD, self._create_args, self._create_kwargs)
            self.opened_session_uri = self._uri
        return super().run_keyword(name, args, kwargs)

    def _open_session(self):
        url = session_url(self._base_uri, self.session_name())
        if self._base_uri in _IMPORTED_FROM_SPEC:
            _IMPORTED_FROM_SPEC.add(url)
        self._uri = url
        self._client = XmlRpcRemoteClient(url)

