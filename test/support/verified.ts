/**
 * Strings csit.md records from running the 2019 original (Python 2.7.18), and the documented deviations
 * (docs/deviations.md) applied to them, so tests compare against the original, not against our own output.
 */

/** id=1, smp=3, mem=4096, vnf testpmd_mac, one vhost-user NIC with queue_size 1024 (csit.md §3.1). */
export const VERIFIED_KERNELVM_START =
  '/usr/bin/qemu-system-x86_64 -daemonize  -nodefaults  -name vnf1,debug-threads=on -no-user-config  -monitor none -display none -vga none -enable-kvm  -pidfile /var/run/qemu_1.pid -cpu host -machine pc,accel=kvm,usb=off,mem-merge=off -smp 3,sockets=1,cores=3,threads=1 -object memory-backend-file,id=mem,size=4096M,mem-path=/dev/hugepages,share=on -m 4096M -numa node,memdev=mem -balloon none -chardev file,id=char0,path=/tmp/serial_1.log -device isa-serial,chardev=char0 -fsdev local,id=root9p,path=/,security_model=none -device virtio-9p-pci,fsdev=root9p,mount_tag=/dev/root -kernel $(readlink -m /opt/boot/vmlinuz* | tail -1) -append "ro rootfstype=9p rootflags=trans=virtio console=ttyS0 tsc=reliable hugepages=256 init=/etc/vm_init_1.conf" -chardev socket,id=char1,path=/var/run/vpp/sock-1-1,server -netdev vhost-user,id=vhost1,chardev=char1,queues=1 -device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:01:01,bus=pci.0,addr=6.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off,rx_queue_size=1024,tx_queue_size=1024';

/**
 * CSIT HEAD's verified example 1a (csit-head.md §4): id 1, smp 3, mem 4096, page_size 2M, two vhost-user NICs
 * with queue_size 1024, mask 0, the node's lookups answering vmlinuz/initrd.img-6.8.0-90-generic. HEAD sends it
 * as `sudo -E -S <line>`.
 */
export const VERIFIED_HEAD_1A =
  "/usr/bin/qemu-system-x86_64 -daemonize -nodefaults -name vnf1,debug-threads=on -no-user-config -nographic -enable-kvm -pidfile /run/qemu_1.pid -cpu host -machine pc,accel=kvm,usb=off,mem-merge=off -smp 3,sockets=1,cores=3,threads=1 -object memory-backend-file,id=mem,size=4096M,mem-path=/dev/hugepages,share=on -m 4096M -numa node,memdev=mem -serial file:/tmp/serial_1.log -fsdev local,id=root9p,path=/,security_model=none -device virtio-9p-pci,fsdev=root9p,mount_tag=virtioroot -kernel /opt/boot/vmlinuz-6.8.0-90-generic -initrd /opt/boot/initrd.img-6.8.0-90-generic -append 'ro rootfstype=9p rootflags=trans=virtio root=virtioroot console=ttyS0 tsc=reliable hugepages=512 hugepagesz=2M init=/etc/vm_init_1.conf fastboot' -chardev socket,id=char1,path=/run/vpp/sock-1-1,server=on -netdev vhost-user,id=vhost1,chardev=char1,queues=1 -device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:01:01,addr=6.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,rx_queue_size=1024,tx_queue_size=1024 -chardev socket,id=char2,path=/run/vpp/sock-1-2,server=on -netdev vhost-user,id=vhost2,chardev=char2,queues=1 -device virtio-net-pci,netdev=vhost2,mac=52:54:00:00:01:02,addr=7.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,rx_queue_size=1024,tx_queue_size=1024";

/** smp=3, queues=1, not jumbo (csit.md §1.3). */
export const VERIFIED_TESTPMD_IO =
  'testpmd -v -l 0-2 --master-lcore 0  --in-memory -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1  --total-num-mbufs=16384     --nb-cores=2';
export const VERIFIED_TESTPMD_MAC =
  'testpmd -v -l 0-2 --master-lcore 0  --in-memory -- --forward-mode=mac --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1  --total-num-mbufs=16384  --eth-peer=0,<vif1_mac> --eth-peer=1,<vif2_mac>  --nb-cores=2';

/** vnf vpp_*, id=1, smp=3, not jumbo, in Python 2 hash order (csit.md §1.4). */
export const VERIFIED_VPP_STARTUP = `unix
{
  cli-listen /run/vpp/cli.sock
  nodaemon 
  exec /etc/vpp/vm_running_1.exec
}
plugins
{
  plugin default
  {
    disable  
  }
  plugin dpdk_plugin.so
  {
    enable  
  }
}
cpu
{
  corelist-workers 1-2
  main-core 0
}
dpdk
{
  no-tx-checksum-offload 
  dev 0000:00:07.0 
  no-multi-seg 
  log-level debug
  dev 0000:00:06.0 
}
`;

/** Runs of spaces become one: value-less options no longer leave a trailing space (deviation "spacing"). */
export function collapseSpaces(text: string): string {
  return text.replace(/ {2,}/g, ' ').trim();
}

/**
 * The verified kernelvm command line with the documented deviations applied:
 * single spaces; the kernel lookup double-quoted; the -append value single-quoted (shell-quoting);
 * a QMP socket added after -append (kernelvm QMP).
 */
export function kernelvmStartWithDeviations(verified: string, qemuId = 1): string {
  return collapseSpaces(verified)
    .replace(/-kernel (\$\(readlink -m [^)]*\))/, '-kernel "$1"')
    .replace(/-append "([^"]*)"/, (_all, append: string) => `-append '${append}' -qmp unix:/var/run/qmp_${qemuId}.sock,server,nowait`);
}

/** A startup.conf as section -> sorted lines, to compare configs whose order differs only by dict order. */
export function startupSections(text: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let current = '';
  let depth = 0;
  let path: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed === '{') {
      depth++;
      continue;
    }
    if (trimmed === '}') {
      depth--;
      path = path.slice(0, depth);
      continue;
    }
    if (depth === 0) {
      current = trimmed;
      sections[current] = [];
      path = [current];
      continue;
    }
    path[depth] = trimmed;
    sections[current].push(`${path.slice(1, depth).join('/')}|${line}`);
  }
  for (const key of Object.keys(sections)) sections[key].sort();
  return sections;
}
