"""Robot library for the real HEAD chains on the test bed: the host testpmd peer's closing counters and
leftovers, what the host says of a VM's vCPU threads, and the iperf3 pair's guest logins (the stock ssh
client's argv, the askpass helper, the host sshd's password rule, iperf3's JSON figures). Read on this machine
(the bed's node is its own sshd on 127.0.0.1), never through the library under test."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'vm'))
from VmHostChecks import vm_processes  # noqa: E402  (robot-tests/vm: one /proc reading for both bed suites)


def forward_statistics(text):
    """`{port: {'rx': n, 'tx': n}}` from testpmd's closing 'Forward statistics for port N' blocks."""
    ports = {}
    for match in re.finditer(r'Forward statistics for port (\d+)\s*-+\s*RX-packets:\s*(\d+).*?TX-packets:\s*(\d+)', text, re.S):
        ports[int(match.group(1))] = {'rx': int(match.group(2)), 'tx': int(match.group(3))}
    if not ports:
        raise AssertionError(f'no forward statistics in the host testpmd output:\n{text}')
    return ports


def frames_should_have_come_back_on_every_port(text, ports):
    """Fails unless each of the host peer's `ports` received frames: the peer's ports connect only to guest
    NICs, and the peer never forwards between them (flowgen), so every frame it received went through a guest."""
    stats = forward_statistics(text)
    missing = [port for port in range(int(ports)) if stats.get(port, {'rx': 0})['rx'] == 0]
    if missing:
        raise AssertionError(f'no frames came back on host port(s) {missing}: {stats}')
    return stats


def vcpu_threads(pid_file):
    """`[(tid, name)]` of the QEMU whose pid `pid_file` holds, vCPU threads only (`CPU n/TCG`), by n."""
    with open(pid_file, encoding='utf-8') as handle:
        pid = int(handle.read().strip())
    threads = []
    for tid in os.listdir(f'/proc/{pid}/task'):
        with open(f'/proc/{pid}/task/{tid}/comm', encoding='utf-8') as handle:
            name = handle.read().strip()
        match = re.match(r'CPU (\d+)/', name)
        if match:
            threads.append((int(match.group(1)), int(tid), name))
    return [(tid, name) for _, tid, name in sorted(threads)]


def vcpus_should_be_pinned_to(pid_file, cpus):
    """Fails unless vCPU i of that QEMU may run on CPU `cpus[i]` only (`cpus` a comma list)."""
    wanted = [cpu.strip() for cpu in str(cpus).split(',')]
    threads = vcpu_threads(pid_file)
    if len(threads) != len(wanted):
        raise AssertionError(f'{len(threads)} vCPU threads {threads}, expected {len(wanted)} for CPUs {wanted}')
    for (tid, name), cpu in zip(threads, wanted):
        with open(f'/proc/{tid}/status', encoding='utf-8') as handle:
            allowed = re.search(r'^Cpus_allowed_list:\s*(\S+)$', handle.read(), re.M).group(1)
        if allowed != cpu:
            raise AssertionError(f'{name} (tid {tid}) may run on CPUs {allowed}, expected {cpu}')


def _head_vm_processes(qemu_id):
    """Live QEMUs started with HEAD's pid file of VM `qemu_id` (`-pidfile /run/qemu_<id>.pid`)."""
    return vm_processes(qemu_id, run_dir='/run')


def head_vm_should_be_running(qemu_id):
    """Fails unless exactly one live QEMU runs with HEAD's pid file of VM `qemu_id`."""
    found = _head_vm_processes(qemu_id)
    if len(found) != 1:
        raise AssertionError(f'expected one QEMU for HEAD VM {qemu_id}, found {found}')
    return found[0]


def nothing_should_be_left_of_head_vm(qemu_id):
    """Fails if a QEMU of HEAD VM `qemu_id` runs, or one of HEAD's files of it exists: pid file, serial
    log, init script, the two vhost-user sockets."""
    qemu_id = int(qemu_id)
    paths = [f'/run/qemu_{qemu_id}.pid', f'/tmp/serial_{qemu_id}.log', f'/etc/vm_init_{qemu_id}.conf',
             f'/run/vpp/sock-{qemu_id}-1', f'/run/vpp/sock-{qemu_id}-2']
    left = [f'process {pid}' for pid in _head_vm_processes(qemu_id)] + [path for path in paths if os.path.exists(path)]
    if left:
        raise AssertionError(f'HEAD VM {qemu_id} left behind: {", ".join(left)}')


def guest_sshd_should_accept_passwords(user, sshd='/usr/sbin/sshd', config='/etc/ssh/sshd_config'):
    """Fails, saying why, unless the host's sshd configuration (which the guests' sshd runs with: their root is
    the host's over 9p) lets `user` log in with a password from slirp's 10.0.2.2."""
    result = subprocess.run([sshd, '-T', '-f', config, '-C', f'user={user},host=10.0.2.2,addr=10.0.2.2'],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f'{sshd} -T -f {config} failed (rc {result.returncode}): {result.stderr.strip()}')
    settings = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition(' ')
        settings.setdefault(key.lower(), []).append(value.strip())
    problems = []
    if settings.get('passwordauthentication') != ['yes']:
        problems.append(f'PasswordAuthentication is {settings.get("passwordauthentication")}')
    if settings.get('authenticationmethods', ['any']) != ['any'] and not any('password' in v for v in settings['authenticationmethods']):
        problems.append(f'AuthenticationMethods {settings["authenticationmethods"]} has no password')
    for key in ('allowusers', 'allowgroups'):
        if key in settings and not any(user in value.split() for value in settings[key]):
            problems.append(f'{key} {settings[key]} does not name {user}')
    if any(user in value.split() for value in settings.get('denyusers', [])):
        problems.append(f'DenyUsers names {user}')
    if problems:
        raise AssertionError(f'the host\'s {config} forbids a password login for {user}, and the guests\' sshd is the '
                             f'host\'s over 9p (their root is the host\'s /): {"; ".join(problems)}. Allow password '
                             f'authentication for {user} there (e.g. a Match User {user} block), or the VM dict\'s '
                             'credentials cannot log in.')


def write_askpass_script(directory):
    """An SSH_ASKPASS helper in `directory` that answers with $QUR_GUEST_PASSWORD (the password stays out of
    the file and the command line); returns its path."""
    path = os.path.join(directory, 'askpass.sh')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nprintf \'%s\\n\' "$QUR_GUEST_PASSWORD"\n')
    os.chmod(path, 0o700)
    return path


def guest_ssh_command(vm, command):
    """The stock ssh client's argv for one login into the guest of VM dict `vm` (its host, port and username;
    the password comes from SSH_ASKPASS), running `command`. The guest's host keys are the host's: not pinned."""
    return ['ssh', '-p', str(int(vm['port'])), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
            '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
            '-o', 'ConnectTimeout=120', '-o', 'ServerAliveInterval=30', '-o', 'LogLevel=ERROR',
            f'{vm["username"]}@{vm["host"]}', command]


def iperf3_should_have_moved_bytes(json_text):
    """Fails unless iperf3's JSON report (`-J`) says bytes were sent and received; returns the figures
    (bytes, bits per second, retransmits) as a dict."""
    try:
        report = json.loads(json_text)
    except ValueError as error:
        raise AssertionError(f'iperf3 printed no JSON report ({error}):\n{json_text}') from error
    if 'error' in report:
        raise AssertionError(f'iperf3 failed: {report["error"]}')
    end = report.get('end', {})
    sent, received = end.get('sum_sent', {}), end.get('sum_received', {})
    figures = {
        'sent_bytes': int(sent.get('bytes', 0)), 'received_bytes': int(received.get('bytes', 0)),
        'sent_bps': round(float(sent.get('bits_per_second', 0))), 'received_bps': round(float(received.get('bits_per_second', 0))),
        'retransmits': sent.get('retransmits'), 'seconds': round(float(sent.get('seconds', 0)), 2),
    }
    if figures['sent_bytes'] <= 0 or figures['received_bytes'] <= 0:
        raise AssertionError(f'iperf3 moved no bytes: {figures}')
    return figures


def nothing_should_be_left_of_host_peer(name, state_dir=os.environ.get('QUR_STATE_DIR', '/var/tmp/qemu-utils-remote')):
    """Fails if host-testpmd.sh's peer `name` left its state directory, DPDK runtime directory, network
    namespace (router) or a dpdk-testpmd process with its file prefix behind."""
    prefix = f'qur-{name}'
    left = [path for path in (os.path.join(state_dir, 'testpmd', name), f'/var/run/dpdk/{prefix}') if os.path.exists(path)]
    namespaces = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout.split('\n')
    left += [f'network namespace {prefix}' for line in namespaces if line.split(' ')[0] == prefix]
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if argv and argv[0].endswith(b'dpdk-testpmd') and f'--file-prefix={prefix}'.encode() in argv:
            left.append(f'dpdk-testpmd pid {pid}')
    if left:
        raise AssertionError(f'host peer {name} left behind: {", ".join(left)}')
