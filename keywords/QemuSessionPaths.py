"""Where the sessions of this Robot process live on the qemu-utils-remote server: the one place of the rule.

A session is a URL path of the server: ``<uri>/<prefix><name>``. The prefix is ``${QEMU_SESSION_PREFIX}``
when set, else ``pabot<N>/`` under pabot (``${PABOTQUEUEINDEX}``), else empty, so concurrent Robot processes
never share a session. ``QemuUtilsRemote.py`` (``session=``), ``QemuUtils.py``, ``QemuManager.py`` and
``qemu_sessions.resource`` (which imports this file as a library for `QEMU Session Prefix` and
`QEMU Session URI`) all use it. Needs nothing beyond Robot Framework.
"""

from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

ROBOT_AUTO_KEYWORDS = False

DEFAULT_URI = 'http://127.0.0.1:8270'


def robot_variable(name, default=None):
    """The Robot variable ``${name}`` in the running test, suite or global scope; ``default`` outside Robot."""
    builtin = BuiltIn()
    if not builtin.robot_running:
        return default
    return builtin.get_variable_value('${%s}' % name, default)


@keyword('QEMU Session Prefix')
def session_prefix():
    """The text put before every session path of this Robot process: ``${QEMU_SESSION_PREFIX}`` when set,
    else ``pabot<index>/`` under pabot (``${PABOTQUEUEINDEX}``), else nothing."""
    prefix = robot_variable('QEMU_SESSION_PREFIX')
    if prefix:
        return str(prefix)
    pabot_index = robot_variable('PABOTQUEUEINDEX')
    return '' if pabot_index is None else 'pabot%s/' % pabot_index


def session_url(uri, session=None):
    """``uri`` with the session path appended, as the server and Robot's import cache see it; ``uri`` as
    given without ``session``."""
    if not session:
        return uri
    return '%s/%s%s' % (uri.rstrip('/'), session_prefix(), session)


def remote_uri():
    """The server of this run: ``${QEMU_REMOTE_URI}``, default ``http://127.0.0.1:8270``."""
    return str(robot_variable('QEMU_REMOTE_URI') or DEFAULT_URI)


@keyword('QEMU Session URI')
def session_uri(name):
    """The URL of session ``name`` on the server: ``${QEMU_REMOTE_URI}/<prefix><name>``."""
    return session_url(remote_uri(), name)
