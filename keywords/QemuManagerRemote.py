"""CSIT HEAD's ``resources.libraries.python.QemuManager``, served by the qemu-utils-remote server.

CSIT HEAD's own ``resources/libraries/robot/shared/vm.robot`` imports the manager as::

    | Import Library | resources.libraries.python.QemuManager | ${nodes}
    | ... | WITH NAME | vnf_manager

Ported, that line names this library instead (``keywords/`` on ``--pythonpath``) and nothing else changes::

    | Import Library | QemuManagerRemote | ${nodes}
    | ... | WITH NAME | vnf_manager

It keeps HEAD's constructor (the topology ``nodes``, the *same* object as the suite's ``${nodes}``), its scope
(TEST CASE) and its keywords: ``Initialize``, ``Construct VMs On Node``, ``Construct VMs On All Nodes``,
``Start All VMs``, ``Kill All VMs``. Each runs on the server's VM manager of session ``vnf_manager`` under
``contract=head`` (created with ``Qemu Manager Init`` at the first call, with ``&{QEMU_SETTINGS}``). What a
remote library cannot do, this one does here, as HEAD's Python did:

- reads ``${smt_used}`` and ``${<DUT>_if1}`` / ``${<DUT>_if2}`` (HEAD's ``BuiltIn()`` reads) and passes them;
- puts each started VM's dict into ``nodes`` under HEAD's name (``DUT1_1``) and removes them at ``Kill All
  VMs`` (HEAD's ``nodes.popitem`` removed the last items instead: csit-head.md §9.1);
- ends the session when the test ends (``Kill All VMs`` or, when the test never got there, the library going
  out of scope), so nothing outlives its test.

Variables: ``${QEMU_REMOTE_URI}`` (default ``http://127.0.0.1:8270``), ``${QEMU_SESSION_PREFIX}`` and pabot's
as for ``QemuUtilsRemote.py``, whose session rules this library uses.
"""

import os

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from QemuUtilsRemote import DEFAULT_URI, QemuUtilsRemote, __version__

SESSION = 'vnf_manager'


def _variable(name, default=None):
    builtin = BuiltIn()
    if not builtin.robot_running:
        return default
    return builtin.get_variable_value('${%s}' % name, default)


class QemuManagerRemote:
    """CSIT HEAD's QemuManager on the qemu-utils-remote server (``contract=head``)."""

    ROBOT_LIBRARY_SCOPE = 'TEST CASE'
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, nodes, uri=None, session=SESSION):
        """HEAD's ``QemuManager(nodes)``: ``nodes`` is the topology, kept by reference (VM dicts go into it)."""
        self.nodes = nodes
        self._uri = uri or _variable('QEMU_REMOTE_URI') or os.environ.get('QEMU_REMOTE_URI') or DEFAULT_URI
        self._session = session
        self._remote = None
        self._added = []
        self.ROBOT_LIBRARY_LISTENER = self

    # ---- HEAD's keywords ------------------------------------------------------------------------------

    def initialize(self):
        """HEAD's ``initialize()``: an empty set of VMs."""
        self._run('initialize')

    def construct_vms_on_node(self, **kwargs):
        """HEAD's ``construct_vms_on_node(node=<DUT key>, **kwargs)``, after ``Initialize``."""
        node = kwargs.get('node')
        self._run('construct_vms_on_node', **self._with_robot_variables(kwargs, node))

    def construct_vms_on_all_nodes(self, **kwargs):
        """HEAD's ``construct_vms_on_all_nodes(**kwargs)``: ``Initialize``, then every DUT of ``nodes``.

        With ``if1``/``if2`` given (the passtrough keyword: DUT1's keys on every DUT) the server's own loop
        takes them for every DUT; otherwise each DUT gets its own ``${<DUT>_if1}`` / ``${<DUT>_if2}``.
        """
        if 'if1' in kwargs or 'if2' in kwargs:
            self._run('construct_vms_on_all_nodes', **self._with_robot_variables(kwargs, None))
            return
        self._run('initialize')
        for key, node in self.nodes.items():
            if isinstance(node, dict) and node.get('type') == 'DUT':
                self._run('construct_vms_on_node', **self._with_robot_variables(dict(kwargs, node=key), key))

    def start_all_vms(self, pinning=False):
        """HEAD's ``start_all_vms(pinning)``: starts every VM, returns the pinned CPUs as CSV, fills ``nodes``."""
        cpus = self._run('start_all_vms', pinning=pinning)
        for name, vm in (self._run('get_vm_dicts') or {}).items():
            self.nodes[name] = vm
            if name not in self._added:
                self._added.append(name)
        return cpus

    def kill_all_vms(self, force=False):
        """HEAD's ``kill_all_vms(force)``: kills the VMs, removes their dicts from ``nodes``, ends the session."""
        try:
            self._run('kill_all_vms', force=force)
        finally:
            self._remove_vm_dicts()
            self._close()

    # ---- what a remote library cannot do -------------------------------------------------------------

    def _with_robot_variables(self, kwargs, dut):
        """HEAD's ``BuiltIn()`` reads, made explicit: ``${smt_used}``, ``${<dut>_if1}``, ``${<dut>_if2}``."""
        given = dict(kwargs)
        smt = _variable('smt_used')
        if smt is not None and 'smt_used' not in given:
            given['smt_used'] = smt
        if dut is not None:
            for n in (1, 2):
                value = _variable('%s_if%d' % (dut, n))
                if value is not None and 'if%d' % n not in given:
                    given['if%d' % n] = value
        return given

    def _run(self, name, **kwargs):
        # `name` as the server names its keywords (snake_case): Remote sends it as given.
        if self._remote is None:
            self._remote = QemuUtilsRemote(self._uri, session=self._session)
            settings = dict(_variable('QEMU_SETTINGS') or {}, contract='head')
            self._remote.run_keyword('qemu_manager_init', [dict(self.nodes)], settings)
        return self._remote.run_keyword(name, [], kwargs)

    def _remove_vm_dicts(self):
        for name in self._added:
            self.nodes.pop(name, None)
        self._added = []

    def _close(self):
        remote, self._remote = self._remote, None
        if remote is not None:
            remote.run_keyword('qemu_manager_close', [], {})

    # ---- library listener: nothing outlives the test -------------------------------------------------

    def close(self):
        """The library leaves scope (its test ended): VMs the test left running are killed, their dicts removed."""
        if self._remote is None:
            return
        logger.info('QemuManagerRemote: session %s still open at the end of the test; closing it' % self._session)
        try:
            self._close()
        finally:
            self._remove_vm_dicts()
