"""Helpers for the remote-protocol suite: nested Robot runs, a getters-only proxy, server-log checks."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from robot.api import ExecutionResult


_HEADER = """*** Settings ***
Library    Remote    ${URL}    AS    R

*** Test Cases ***
"""

# Suites whose outcome is a failure by design (continuable, fatal) or whose log is the point (levels):
# run as separate Robot executions and inspected through their output.xml.
NESTED_SUITES = {
    'logging': _HEADER + """Logs
    R.Log Levels
""",
    'continuable': _HEADER + """Continues
    R.Fail Continuable    first
    R.Fail Continuable    second
    R.Log Message    reached the end
""",
    'fatal': _HEADER + """Fatal
    R.Fail Fatal    stop everything
Later
    R.No Operation
""",
}


class ProtocolHelper:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self._proxies = []

    def run_nested_suite(self, name, url):
        """Runs the nested suite `name` (see NESTED_SUITES) with `${URL}` set, at TRACE level.

        Returns a dict: `tests` (name -> {status, message}) and `messages` (list of [level, text, html]
        of every logged message, in order). Used for behaviour a passing suite cannot show: failures that
        continue, fatal failures, and the log levels that reach output.xml.
        """
        directory = tempfile.mkdtemp(prefix='qur-nested-')
        try:
            result = self._run_in(directory, name, url)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        tests = {test.name: {'status': test.status, 'message': test.message} for test in result.suite.all_tests}
        messages = []

        def collect(item):
            for child in getattr(item, 'body', []):
                if getattr(child, 'type', None) == 'MESSAGE':
                    messages.append([child.level, child.message, child.html])
                else:
                    collect(child)
            for fixture in ('setup', 'teardown'):
                fixture_item = getattr(item, fixture, None)
                if fixture_item:
                    collect(fixture_item)

        for test in result.suite.all_tests:
            collect(test)
        return {'tests': tests, 'messages': messages}

    def _run_in(self, directory, name, url):
        suite = os.path.join(directory, f'{name}.robot')
        with open(suite, 'w', encoding='utf-8') as handle:
            handle.write(NESTED_SUITES[name])
        output = os.path.join(directory, 'output.xml')
        completed = subprocess.run(
            [sys.executable, '-m', 'robot', '--output', output, '--log', 'NONE', '--report', 'NONE',
             '--loglevel', 'TRACE', '--console', 'none', '--variable', f'URL:{url}', suite],
            capture_output=True, text=True, timeout=300,
        )
        if not os.path.exists(output):
            raise AssertionError(f'Nested robot produced no output (rc {completed.returncode}):\n'
                                 f'{completed.stdout}\n{completed.stderr}')
        return ExecutionResult(output)

    def start_getters_only_proxy(self, url):
        """Serves every remote API method of `url` except get_library_information (which gets a Fault),
        so Robot and libdoc fall back to the per-keyword getters. Returns the proxy's URL."""
        target = url

        def forward(method):
            def call(*params):
                server = xmlrpc.client.ServerProxy(target, use_builtin_types=True)
                try:
                    return getattr(server, method)(*params)
                finally:
                    server('close')()
            return call

        class Quiet(SimpleXMLRPCRequestHandler):
            rpc_paths = ()

            def log_message(self, *args):
                pass

        proxy = SimpleXMLRPCServer(('127.0.0.1', 0), requestHandler=Quiet, logRequests=False, allow_none=False,
                                   use_builtin_types=True)
        for method in ('get_keyword_names', 'get_keyword_arguments', 'get_keyword_types', 'get_keyword_tags',
                       'get_keyword_documentation', 'run_keyword'):
            proxy.register_function(forward(method), method)
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        self._proxies.append(proxy)
        return f'http://127.0.0.1:{proxy.server_address[1]}/'

    def stop_proxies(self):
        for proxy in self._proxies:
            proxy.shutdown()
            proxy.server_close()
        self._proxies = []

    def server_log_calls(self, path, method=None):
        """The per-call records of a `--log-json` server log, optionally only those of one method."""
        calls = []
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                line = line.strip()
                if not line.startswith('{'):
                    continue
                record = json.loads(line)
                if record.get('message') == 'call' and (method is None or record.get('method') == method):
                    calls.append(record)
        return calls

    def count_calls(self, path, session, method):
        """How many times `method` was called on `session` (a URL path such as `/robot_a`)."""
        return len([call for call in self.server_log_calls(path, method) if call.get('session') == session])

    def load_json(self, path):
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
