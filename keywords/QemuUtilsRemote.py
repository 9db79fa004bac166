"""Robot Framework's ``Remote`` library for the qemu-utils-remote server, usable without a server.

Robot's ``Remote`` asks the server for its keywords when the library is imported, so a suite cannot be
checked with ``robot --dryrun`` (or by an editor) unless the server runs. ``QemuUtilsRemote`` is a drop-in
subclass that takes the keyword names, argument specs, types, tags and docs from the library's stored libdoc
spec (``docs/QemuUtils.json``) instead:

- always under ``robot --dryrun``, where it never contacts the server, so the check is the same everywhere;
- in a real run when no server answers at import time (connection refused, timeout, unknown host). Its
  keywords then fail when called, saying that no server answers, unless a server has started there since.

With a server answering it is Robot's ``Remote``: the same calls, the same results and failures. A server
that answers but is not qemu-utils-remote (pabot's PabotLib also listens on 8270 by default) fails the
import saying so.

Import (the path is relative to the importing file, or put ``keywords/`` on ``--pythonpath``)::

    Library    QemuUtilsRemote.py    ${QEMU_REMOTE_URI}    session=DUT1_vm1    AS    DUT1_vm1

``uri`` and ``timeout`` are ``Remote``'s. ``session`` names the session (a URL path of the server): the URL
becomes ``<uri>/<prefix><session>``, the prefix being ``${QEMU_SESSION_PREFIX}`` when set, else
``pabot<N>/`` under pabot (``${PABOTQUEUEINDEX}``), else empty: the rule of ``QemuSessionPaths.py``, which
``QEMU Session URI`` in ``qemu_sessions.resource`` is. Without ``session``, ``uri`` is used as given. ``spec`` is the libdoc
JSON to fall back on; default: ``${QEMU_REMOTE_SPEC}``, else the ``QEMU_REMOTE_SPEC`` environment variable,
else ``../docs/QemuUtils.json`` next to this file.

Needs nothing beyond Robot Framework (6.1 or later; written for 7.x).
"""

import ast
import html
import json
import os
import re
import xmlrpc.client

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn
from robot.libraries.Remote import Remote

try:
    from QemuSessionPaths import DEFAULT_URI, robot_variable as _robot_variable, session_prefix, session_url  # noqa: F401
except ImportError:  # imported by module name from elsewhere: its sibling is next to this file
    import sys
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    from QemuSessionPaths import DEFAULT_URI, robot_variable as _robot_variable, session_prefix, session_url  # noqa: F401


def _package_version():
    # The package this file ships in (keywords/ is in the npm package next to package.json).
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'package.json'), encoding='utf-8') as handle:
            return str(json.load(handle).get('version', ''))
    except (OSError, ValueError):
        return ''


__version__ = _package_version()

DEFAULT_SPEC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'docs', 'QemuUtils.json'))


class NotOurServerError(RuntimeError):
    """A server answered at the URL, but it is not the qemu-utils-remote server (or not this session)."""

    ROBOT_SUPPRESS_NAME = True


class NoServerError(RuntimeError):
    """A keyword was called, but no server answers at the library's URL."""

    ROBOT_SUPPRESS_NAME = True


# URLs whose keywords came from the spec in this process. Robot runs keywords on other instances of the
# library than the one it imported (one per suite), so this cannot live on the instance.
_IMPORTED_FROM_SPEC = set()


def _normalized(name):
    return re.sub(r'[\s_]', '', name).lower()


def _type_string(tree):
    """A libdoc type tree as the type string the server sends (``str | None``, ``list[dict]``)."""
    if tree is None:
        return None
    nested = [_type_string(item) for item in tree.get('nested') or []]
    if tree.get('union'):
        return ' | '.join(nested)
    return '%s[%s]' % (tree['name'], ', '.join(nested)) if nested else tree['name']


def _default_value(argument, type_text):
    """The default as a value where the server sends one (numbers, booleans, None); text stays text."""
    text = argument['defaultValue']
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if value is None:
        return None
    if isinstance(value, (bool, int, float)) and not re.search(r'\bstr\b', type_text or ''):
        return value
    return text


def _argument_type(argument):
    # The repr is exactly "name: <type>" or "name: <type> = <default>".
    if not argument.get('type'):
        return None
    text = argument['repr'][len(argument['name']) + 2:]
    if argument.get('defaultValue') is not None:
        text = text[: -len(' = ' + argument['defaultValue'])]
    return text


def _doc_text(doc):
    """The spec's HTML docs as plain text in Robot's doc format (Remote's docs are Robot-formatted)."""
    text = re.sub(r'<a href="#[^"]*" class="name">(.*?)</a>', r'`\1`', doc)
    text = re.sub(r'<(span class="name"|code)>(.*?)</(span|code)>', r'``\2``', text)
    text = re.sub(r'</?b>', '*', text)
    text = re.sub(r'<h\d[^>]*>(.*?)</h\d>', r'= \1 =\n', text)
    text = re.sub(r'<li>', '- ', text)
    text = re.sub(r'</t[dh]>\s*<t[dh]>', ' | ', text)
    text = re.sub(r'<tr>\s*<t[dh]>', '| ', text)
    text = re.sub(r'</t[dh]>\s*</tr>', ' |', text)
    text = re.sub(r'</p>', '\n', text)
    text = re.sub(r'<[^>]+>', '', text)
    return html.unescape(text).strip()


def spec_information(spec):
    """A libdoc JSON spec as the ``get_library_information`` answer of the server it documents."""
    information = {
        '__intro__': {'doc': _doc_text(spec.get('doc') or '')},
        '__init__': {'doc': _doc_text((spec.get('inits') or [{}])[0].get('doc') or '')},
    }
    for keyword in spec['keywords']:
        args = []
        types = {}
        for argument in keyword['args']:
            kind, name = argument['kind'], argument['name']
            type_text = _argument_type(argument)
            if type_text:
                types[name] = type_text
            if kind == 'POSITIONAL_ONLY_MARKER':
                args.append('/')
            elif kind == 'NAMED_ONLY_MARKER':
                args.append('*')
            elif kind == 'VAR_POSITIONAL':
                args.append('*' + name)
            elif kind == 'VAR_NAMED':
                args.append('**' + name)
            elif argument.get('required', True) or argument.get('defaultValue') is None:
                args.append(name)
            else:
                args.append((name, _default_value(argument, type_text)))
        if not args:
            # libdoc leaves embedded arguments out of a keyword's args; Robot needs them there.
            args = re.findall(r'\$\{(\w+)', keyword['name'])
        returned = _type_string(keyword.get('returnType'))
        if returned:
            types['return'] = returned
        information[keyword['name']] = {
            'args': args,
            'types': types,
            'tags': list(keyword.get('tags') or []),
            'doc': _doc_text(keyword.get('doc') or ''),
        }
    return information


def _unreachable(error):
    # Socket-level failures (refused, timed out, no route, unknown host): nothing answered. An HTTP answer
    # (ProtocolError) or an XML-RPC answer (Fault) means something listens there.
    return isinstance(error, OSError)


class QemuUtilsRemote(Remote):
    """Robot's ``Remote`` for the qemu-utils-remote server, with the keywords known without a server."""

    ROBOT_LIBRARY_SCOPE = 'TEST SUITE'
    ROBOT_LIBRARY_VERSION = __version__

    def __init__(self, uri=DEFAULT_URI, timeout=None, *, session=None, spec=None):
        """Connects to the qemu-utils-remote server at ``uri``, on session ``session`` (a URL path).

        ``timeout`` is ``Remote``'s. Without a server (or under ``--dryrun``) the keywords come from
        ``spec``, the library's libdoc JSON (default ``docs/QemuUtils.json``). See the module doc.
        """
        super().__init__(session_url(uri, session), timeout)
        self._spec_file = spec or _robot_variable('QEMU_REMOTE_SPEC') or os.environ.get('QEMU_REMOTE_SPEC') \
            or DEFAULT_SPEC
        self._live_names = None

    def _load_spec(self):
        try:
            with open(self._spec_file, encoding='utf-8') as handle:
                return spec_information(json.load(handle))
        except (OSError, ValueError, KeyError) as error:
            raise RuntimeError(
                f"Cannot read the keyword spec {self._spec_file} ({error}): QemuUtilsRemote needs it without a "
                f"server. Give the path with spec=..., ${{QEMU_REMOTE_SPEC}} or $QEMU_REMOTE_SPEC "
                f"(the project's docs/QemuUtils.json; `npm run docs` writes it)."
            ) from None

    def _use_spec(self, reason):
        self._lib_info = self._load_spec()
        self._lib_info_initialized = True
        _IMPORTED_FROM_SPEC.add(self._uri)
        if reason:
            logger.warn(f"QemuUtilsRemote: {reason}; its keywords come from {self._spec_file} and fail when "
                        f"called unless a server listens at {self._uri} by then.")

    def _not_ours(self, detail):
        return NotOurServerError(
            f"The server at {self._uri} is not a qemu-utils-remote server (or not one serving this path): "
            f"{detail}. pabot's PabotLib listens on 127.0.0.1:8270 by default: start qemu-utils-remote on "
            f"another port (npm start -- --port 8271) and set ${{QEMU_REMOTE_URI}}, or run pabot with "
            f"--pabotlibport 0."
        )

    def _fetch_information(self):
        """The server's library information, None when it answers the getters only; raises the cause."""
        try:
            return self._client.get_library_information()
        except TypeError as wrapped:
            error = wrapped.args[0] if wrapped.args else wrapped
            if isinstance(error, xmlrpc.client.Fault):
                return None
            if isinstance(error, xmlrpc.client.ProtocolError) and error.errcode == 401:
                raise NotOurServerError(
                    f"The server at {self._uri} answered 401 Unauthorized: give its credentials in the URL "
                    f"(http://user:password@host:port/...)."
                ) from None
            if isinstance(error, xmlrpc.client.ProtocolError):
                raise self._not_ours(f"it answered {error.errcode} {error.errmsg}") from None
            raise error from None

    def get_keyword_names(self):
        if self._lib_info_initialized:
            return super().get_keyword_names()
        if BuiltIn().dry_run_active:
            self._use_spec(None)
            return super().get_keyword_names()
        try:
            information = self._fetch_information()
        except Exception as error:
            if not _unreachable(error):
                raise
            self._use_spec(f"no server answers at {self._uri} ({error})")
            return super().get_keyword_names()
        self._lib_info = information
        self._lib_info_initialized = True
        names = super().get_keyword_names()
        if information is not None:
            self._check_ours(names)
        return names

    def _check_ours(self, names):
        try:
            spec = self._load_spec()
        except RuntimeError:
            return  # Without the spec (not shipped here), a live server is taken as Remote would take it.
        expected = {_normalized(name) for name in spec if not name.startswith('__')}
        if expected and not expected & {_normalized(name) for name in names}:
            shown = ', '.join(sorted(names)[:5]) or 'no keywords'
            raise self._not_ours(f"it offers {shown}, none of the keywords in {self._spec_file}")

    def run_keyword(self, name, args, kwargs):
        if self._uri in _IMPORTED_FROM_SPEC:
            name = self._live_name(name)
        return super().run_keyword(name, args, kwargs)

    def _live_name(self, name):
        """The server's own name of a keyword known from the spec, once a server answers."""
        if self._live_names is None:
            try:
                information = self._fetch_information()
                names = information if information is not None else self._client.get_keyword_names()
            except Exception as error:
                if isinstance(error, TypeError) and error.args:
                    error = error.args[0]
                if not _unreachable(error):
                    raise
                raise NoServerError(
                    f"No server answers at {self._uri} ({error}): this library was imported without one. "
                    f"Start the server (npm start) or point ${{QEMU_REMOTE_URI}} at a running one."
                ) from None
            self._live_names = {_normalized(live): live for live in names if not live.startswith('__')}
        return self._live_names.get(_normalized(name), name)
