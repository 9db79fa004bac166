"""Drives a remote-library server the way Robot Framework's Remote library does, for the jest tests.

Reads one JSON object from stdin: {"url": "http://127.0.0.1:PORT", "script": "<python code>"}.
The script runs with these helpers and sets `result`:

    call(method, *params, path='/', auth=None)   one XML-RPC call on a new connection (as Robot makes them)
    run(name, args=(), kwargs=None, path='/', auth=None)
                                                 run_keyword with Robot's argument coercion; kwargs are
                                                 sent only when non-empty, as Robot does
    raw(body, path='/', headers=None, auth=None) POSTs raw bytes; returns (status, headers, body bytes)
    coerce(value)                                Robot's client-side coercion of one value
    loads(xml) / dumps(params, method)           xmlrpc.client's own parser and serializer
    monotonic()                                  time.monotonic
    run_sessions(flows)                          {path: [(name, args, kwargs), ...]}: each path's keywords
                                                 in order, the paths at once (a thread each, as parallel
                                                 Robot suites); returns {path: [run_keyword result, ...]}

Prints one JSON line: {"value": <result, tagged>} or {"error": {...}} when the script raised.
Tagged JSON: bytes -> {"$bytes": hex}, datetime -> {"$datetime": isoformat},
non-finite floats -> {"$float": "inf"|"-inf"|"nan"}, tuples -> lists, other objects -> {"$repr": repr}.
"""

import base64
import datetime
import http.client
import json
import math
import re
import sys
import threading
import time
import urllib.parse
import xmlrpc.client

_BINARY = re.compile('[\x00-\x08\x0B\x0C\x0E-\x1F]')


def coerce(value):
    """Robot's ArgumentCoercer (robot/libraries/Remote.py) for the values tests send."""
    if isinstance(value, str):
        if _BINARY.search(value):
            return value.encode('latin-1')
        return value
    if isinstance(value, (bytes, bytearray, bool, int, float, datetime.datetime)):
        return value
    if value is None:
        return ''
    if isinstance(value, dict):
        return {('' if k is None else str(k)): coerce(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [coerce(v) for v in value]
    return str(value)


def _proxy(url, path, auth):
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc if auth is None else f'{auth}@{parts.netloc}'
    return xmlrpc.client.ServerProxy(
        f'{parts.scheme}://{netloc}{path}', encoding='UTF-8', use_builtin_types=True
    )


def _main():
    request = json.load(sys.stdin)
    url = request['url']

    def call(method, *params, path='/', auth=None):
        proxy = _proxy(url, path, auth)
        try:
            return getattr(proxy, method)(*params)
        finally:
            proxy('close')()

    def run(name, args=(), kwargs=None, path='/', auth=None):
        args = [coerce(a) for a in args]
        kwargs = {k: coerce(v) for k, v in (kwargs or {}).items()}
        if kwargs:
            return call('run_keyword', name, args, kwargs, path=path, auth=auth)
        return call('run_keyword', name, args, path=path, auth=auth)

    def raw(body, path='/', headers=None, auth=None, method='POST'):
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        all_headers = {'Content-Type': 'text/xml'}
        if auth is not None:
            all_headers['Authorization'] = 'Basic ' + base64.b64encode(auth.encode()).decode()
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def run_sessions(flows):
        results = {path: [] for path in flows}

        def drive(path):
            for name, args, kwargs in flows[path]:
                results[path].append(run(name, args, kwargs, path=path))

        threads = [threading.Thread(target=drive, args=(path,)) for path in flows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def loads(xml):
        return xmlrpc.client.loads(xml, use_builtin_types=True)

    def dumps(params, method=None):
        return xmlrpc.client.dumps(tuple(params), method, encoding='UTF-8')

    scope = {
        'call': call, 'run': run, 'run_sessions': run_sessions, 'raw': raw, 'coerce': coerce, 'loads': loads, 'dumps': dumps,
        'monotonic': time.monotonic, 'xmlrpc': xmlrpc, 'datetime': datetime, 'url': url, 'result': None,
    }
    try:
        exec(request['script'], scope)
    except xmlrpc.client.Fault as fault:
        _emit({'error': {'type': 'Fault', 'faultCode': fault.faultCode, 'faultString': fault.faultString}})
        return
    except xmlrpc.client.ProtocolError as error:
        _emit({'error': {'type': 'ProtocolError', 'status': error.errcode, 'message': error.errmsg}})
        return
    except Exception as error:  # the test asserts on what happened, so report it rather than crash
        _emit({'error': {'type': type(error).__name__, 'message': str(error)}})
        return
    _emit({'value': scope['result']})


def _tag(value):
    if isinstance(value, (bytes, bytearray)):
        return {'$bytes': bytes(value).hex()}
    if isinstance(value, datetime.datetime):
        return {'$datetime': value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        return {'$float': 'nan' if math.isnan(value) else ('inf' if value > 0 else '-inf')}
    if isinstance(value, dict):
        return {str(k): _tag(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {'$repr': repr(value)}


def _emit(payload):
    if 'value' in payload:
        payload = {'value': _tag(payload['value'])}
    sys.stdout.write(json.dumps(payload) + '\n')


if __name__ == '__main__':
    _main()
