/** `lscpu -p=CPU,CORE,SOCKET,NODE` text for made-up hosts, numbered as Linux numbers x86 and arm64 CPUs. */

export interface HostShape {
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: 1 | 2;
  /** NUMA node of each socket (default: the socket number). */
  nodeOfSocket?: (socket: number) => number;
}

/** lscpu's own header, as this machine prints it. */
const HEADER = [
  '# The following is the parsable format, which can be fed to other',
  '# programs. Each different item in every column has an unique ID',
  '# starting usually from zero.',
  '# CPU,Core,Socket,Node',
];

/**
 * CPU ids run over every first thread (socket by socket), then every second thread: on a 2×28 SMT host CPU n
 * and n+56 are siblings, as on CSIT's 2n-icx.
 */
export function lscpuText(shape: HostShape): string {
  const { sockets, coresPerSocket, threadsPerCore } = shape;
  const nodeOf = shape.nodeOfSocket ?? ((socket: number) => socket);
  const rows: string[] = [];
  for (let thread = 0; thread < threadsPerCore; thread++) {
    for (let socket = 0; socket < sockets; socket++) {
      for (let core = 0; core < coresPerSocket; core++) {
        const cpu = thread * sockets * coresPerSocket + socket * coresPerSocket + core;
        rows.push(`${cpu},${socket * coresPerSocket + core},${socket},${nodeOf(socket)}`);
      }
    }
  }
  return `${[...HEADER, ...rows].join('\n')}\n`;
}

/** CSIT's 2n-icx-like DUT of csit-head.md §3: 2 sockets × 28 cores, siblings +56, NUMA 0 = 0-27,56-83. */
export const X86_2X28_SMT = lscpuText({ sockets: 2, coresPerSocket: 28, threadsPerCore: 2 });
/** An aarch64 DUT (3n-alt-like): 72 cores, one thread each, one NUMA node. */
export const AARCH64_72 = lscpuText({ sockets: 1, coresPerSocket: 72, threadsPerCore: 1 });
/** 8 cores with SMT: CPUs 0-7, siblings 8-15. */
export const SMT_8_CORES = lscpuText({ sockets: 1, coresPerSocket: 8, threadsPerCore: 2 });
