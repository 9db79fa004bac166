"""Runs a suite as a Robot run of its own and reads back what happened, for behaviour a passing suite cannot
show (a test failing half way, and what its teardown did)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from robot.api import ExecutionResult, ResultVisitor


class _Messages(ResultVisitor):
    def __init__(self):
        self.messages = []

    def visit_message(self, message):
        self.messages.append(message.message)


def run_nested_suite(suite, *variables, settings=None):
    """Runs ``suite`` with ``NAME:value`` ``variables`` (and ``settings`` as its ``&{QEMU_SETTINGS}``) and
    returns its first test as a dict: ``status``, ``message``, ``teardown_status`` and ``teardown_log``
    (every message its teardown logged)."""
    # Removed once read: everything the caller needs is returned (it used to stay in /tmp after every run).
    directory = tempfile.mkdtemp(prefix='qur-nested-')
    try:
        output = os.path.join(directory, 'output.xml')
        command = [sys.executable, '-m', 'robot', '--output', output, '--log', 'NONE', '--report', 'NONE',
                   '--console', 'none']
        for variable in variables:
            command += ['--variable', variable]
        if settings:
            variable_file = os.path.join(directory, 'settings.json')
            with open(variable_file, 'w', encoding='utf-8') as handle:
                json.dump({'QEMU_SETTINGS': dict(settings)}, handle)
            command += ['--variablefile', variable_file]
        completed = subprocess.run(command + [suite], capture_output=True, text=True, timeout=900)
        if not os.path.exists(output):
            raise AssertionError(f'Nested run of {suite} wrote no output (rc {completed.returncode}):\n'
                                 f'{completed.stdout}\n{completed.stderr}')
        test = ExecutionResult(output).suite.tests[0]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    collected = _Messages()
    test.teardown.visit(collected)
    return {
        'status': test.status,
        'message': test.message,
        'teardown_status': test.teardown.status,
        'teardown_log': '\n'.join(collected.messages),
    }
