"""Closes the QemuUtils remote sessions a test or suite opened when it ends, whatever its teardown did.

Robot's Remote library tells the server nothing when a test or suite ends, and a suite whose setup fails
before its teardown is registered (or that has none) leaves its VM running until the server's session
lease ends it. Register this listener and every session on which ``Qemu Init`` or ``Qemu Manager Init``
ran (also implicitly, from a ``QemuUtils.py`` / ``QemuManager.py`` import's arguments) is closed (``Qemu Close`` sent straight to the server over XML-RPC) when the test, or the suite, that
ran it ends, and whatever is still open when the run closes::

    robot --listener keywords/QemuSessionListener.py tests/
    pabot --listener keywords/QemuSessionListener.py tests/

Closing a session that is already closed does nothing, so teardowns that close their sessions stay as they
are. Robot Framework listener API version 3 (Robot Framework 7); no dependency beyond Robot.
"""

import urllib.parse
import xmlrpc.client

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn
from robot.libraries.Remote import Remote

_OPENING = {'qemuinit', 'qemumanagerinit'}
_CLOSING = {'qemuclose', 'qemumanagerclose'}
# Killing a VM and removing its files takes seconds; a node that does not answer, the SSH timeouts.
_CLOSE_TIMEOUT = 300


def _normalized(name):
    return name.lower().replace(' ', '').replace('_', '')


def _printable(uri):
    """The URI without credentials, for the log."""
    parts = urllib.parse.urlsplit(uri)
    host = parts.hostname or ''
    netloc = f'{host}:{parts.port}' if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or '/', '', ''))


class _Transport(xmlrpc.client.Transport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = _CLOSE_TIMEOUT
        return connection


class QemuSessionListener:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self):
        # One list of session URIs per running suite and test, innermost last.
        self._scopes = []

    def start_suite(self, data, result):
        self._scopes.append([])

    def start_test(self, data, result):
        self._scopes.append([])

    def end_keyword(self, data, result):
        name = _normalized(result.name or '')
        # `owner` since Robot Framework 7; `libname` before.
        library = self._remote_library(getattr(result, 'owner', None) or getattr(result, 'libname', None))
        uri = getattr(library, '_uri', None)
        if uri is None or not self._scopes:
            return
        # QemuUtils.py / QemuManager.py create the instance from the import's arguments on the first call.
        opened_by_import = getattr(library, 'opened_session_uri', None) == uri
        if name not in _OPENING and name not in _CLOSING and not opened_by_import:
            return
        if name in _OPENING or (opened_by_import and name not in _CLOSING):
            # Also when it failed: a Qemu Init may fail after ending the session's previous VM, or hold one.
            if not any(uri in scope for scope in self._scopes):
                self._scopes[-1].append(uri)
        elif result.passed:
            for scope in self._scopes:
                if uri in scope:
                    scope.remove(uri)

    def end_test(self, data, result):
        self._close(self._scopes.pop() if self._scopes else [], f"test '{result.full_name}'")

    def end_suite(self, data, result):
        self._close(self._scopes.pop() if self._scopes else [], f"suite '{result.full_name}'")

    def close(self):
        while self._scopes:
            self._close(self._scopes.pop(), 'the run')

    @staticmethod
    def _remote_library(owner):
        if not owner:
            return None
        try:
            library = BuiltIn().get_library_instance(owner)
        except Exception:  # noqa: BLE001 - not a library this run imported by that name: not ours to close
            return None
        return library if isinstance(library, Remote) else None

    @staticmethod
    def _close(uris, where):
        for uri in uris:
            try:
                proxy = xmlrpc.client.ServerProxy(uri, transport=_Transport(), allow_none=False)
                outcome = proxy.run_keyword('qemu_close', [])
            except Exception as error:  # noqa: BLE001 - a listener must never break the run
                logger.warn(f'QemuSessionListener: closing {_printable(uri)} at the end of {where} failed: {error}')
                continue
            if outcome.get('status') != 'PASS':
                logger.warn(f"QemuSessionListener: Qemu Close on {_printable(uri)} at the end of {where} failed: {outcome.get('error')}")
            else:
                logger.info(f'QemuSessionListener: closed {_printable(uri)} at the end of {where}')
