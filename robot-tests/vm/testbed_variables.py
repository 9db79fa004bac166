"""Robot variable file: the bed's private sshd as a CSIT topology node, and the test bed description.

Reads what `scripts/testbed/setup.sh` and `scripts/sshd.sh` recorded under $QUR_STATE_DIR (default
/var/tmp/qemu-utils-remote). When something is missing, ${BED_ERROR} says what to run; the suite fails with it.
"""

import json
import os

STATE_DIR = os.environ.get('QUR_STATE_DIR', '/var/tmp/qemu-utils-remote')
SETUP_HINT = 'run `bash scripts/testbed/setup.sh` as root (it also starts the sshd: `bash scripts/sshd.sh start`)'


def _read(name):
    path = os.path.join(STATE_DIR, name)
    if not os.path.exists(path):
        raise LookupError(f'{path} is missing: {SETUP_HINT}')
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def get_variables():
    try:
        sshd = _read('sshd/env.json')
        bed = _read('testbed.json')
    except (LookupError, ValueError) as error:
        return {'BED_ERROR': str(error), 'NODE': {}, 'BED': {}}
    node = {
        'type': 'DUT',
        'host': sshd['host'],
        'port': sshd['port'],
        # The unprivileged test user with sudo, as CSIT's testuser; the host key pinned.
        'username': sshd['passwordUser'],
        'password': sshd['password'],
        'host_key_fingerprint': sshd['hostKeyFingerprint'],
    }
    return {'BED_ERROR': '', 'NODE': node, 'BED': bed, 'SSHD_PID_FILE': sshd['pidFile']}
