"""Probe of test/keywords/csit2019-vm.test.ts: what /proc says of the VMs while they run, read beside the code
under test (CSIT measured traffic at this point of a test; here the VMs' QEMU and vCPU affinities are read)."""
import glob
import os
import re


def probe_vms(path, *qemu_ids):
    """Appends one line per id to ``path``: ``<id> <vcpu>-><Cpus_allowed_list> ...``, or ``<id> not running``."""
    lines = []
    for qemu_id in qemu_ids:
        try:
            with open(f"/var/run/qemu_{qemu_id}.pid", encoding="ascii") as pid_file:
                pid = pid_file.read().strip()
        except OSError:
            lines.append(f"{qemu_id} not running")
            continue
        vcpus = []
        for comm in glob.glob(f"/proc/{pid}/task/*/comm"):
            with open(comm, encoding="utf-8") as comm_file:
                match = re.match(r"CPU (\d+)/", comm_file.read())
            if match:
                with open(os.path.join(os.path.dirname(comm), "status"), encoding="utf-8") as status:
                    allowed = re.search(r"Cpus_allowed_list:\s*(\S+)", status.read())
                vcpus.append((int(match.group(1)), allowed.group(1) if allowed else "?"))
        lines.append(f"{qemu_id} " + " ".join(f"{vcpu}->{cpus}" for vcpu, cpus in sorted(vcpus)))
    with open(path, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
