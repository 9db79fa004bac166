/**
 * The running VM's vCPU threads (from QMP, else from their names) pinned to host CPUs and given SCHED_RR,
 * and QMP commands on its monitor. A failed pinning step kills this VM (only).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execCmdNoError } from '../node';
import { shellQuote } from '../node/quote';
import { callAs, type CallContext } from './call';
import { QemuConfigError, QemuStateError } from './errors';
import type { JsonObject, JsonValue } from './monitor';
import { onNodeStep } from './node-step';
import type { VmIdentity } from './vm-identity';
import type { VmLifecycle } from './vm-lifecycle';
import type { VmMonitor } from './vm-monitor';

/** Thread ids of `CPU <n>/...` threads from `grep -H . /proc/<pid>/task/<tid>/comm` output, by n. */
export function parseVcpuThreads(grepOutput: string): string[] {
  const threads: { index: number; tid: string }[] = [];
  for (const line of grepOutput.split('\n')) {
    const found = /\/task\/(\d+)\/comm:CPU (\d+)\//.exec(line);
    if (found) threads.push({ tid: found[1], index: Number(found[2]) });
  }
  return threads.sort((a, b) => a.index - b.index).map((thread) => thread.tid);
}

export class VmPinning {
  constructor(
    private readonly identity: VmIdentity,
    private readonly lifecycle: VmLifecycle,
    private readonly monitor: VmMonitor,
  ) {}

  private step<T>(call: CallContext, step: string, run: () => Promise<T>): Promise<T> {
    return onNodeStep(call, this.identity.node, step, run);
  }

  /**
   * The call as `keyword` runs it: a node failure names the Robot keyword being run, else this one (a
   * TypeScript caller, or a manager keyword that passes none).
   */
  private named(call: CallContext, keyword: string): CallContext {
    return call.keyword === undefined ? callAs(call, keyword) : call;
  }

  /** `get_qemu_pids`: the vCPU thread ids, in vCPU order (QMP `query-cpus-fast`). */
  async getQemuPids(call: CallContext): Promise<string[]> {
    const keyword = 'Get Qemu Pids';
    const pid = await this.lifecycle.requirePid(keyword, call);
    return this.vcpuThreads(pid, this.named(call, keyword));
  }

  private async vcpuThreads(pid: number, call: CallContext): Promise<string[]> {
    try {
      const threads = await this.monitor.withClient(call, (client) => client.queryCpusFast({ signal: call.signal }));
      return [...threads].sort((a, b) => a.cpuIndex - b.cpuIndex).map((thread) => String(thread.threadId));
    } catch (error) {
      if (call.signal?.aborted) throw error;
      call.log.debug(`QMP query-cpus-fast failed (${(error as Error).message}); reading vCPU threads from /proc/${pid}/task`);
      return this.vcpuThreadsFromProc(pid, call);
    }
  }

  /** With `debug-threads=on` vCPU threads are named `CPU <n>/KVM` (or `/TCG`); ordered by n. */
  private async vcpuThreadsFromProc(pid: number, call: CallContext): Promise<string[]> {
    const node = this.identity.node;
    const result = await this.step(call, `reading the vCPU threads of QEMU process ${pid}`, () =>
      execCmdNoError(node, `sh -c ${shellQuote(`grep -H . /proc/${pid}/task/*/comm`)}`, {
        sudo: true,
        message: `QEMU: reading vCPU threads of process ${pid} failed on ${node.host}`,
      }),
    );
    return parseVcpuThreads(result.stdout);
  }

  /**
   * `qemu_set_affinity`: pins vCPU n to `hostCpus[n]` (taskset). On failure kills this VM (only); a refusal
   * (bad CPU, no VM of this session running) kills nothing: there is nothing of ours to kill.
   */
  async qemuSetAffinity(hostCpus: ReadonlyArray<string | number>, call: CallContext): Promise<void> {
    const keyword = 'Qemu Set Affinity';
    const { node, layout } = this.identity;
    const cpus = hostCpus.map((cpu) => {
      const text = String(cpu).trim();
      if (!/^\d+([-,]\d+)*$/.test(text)) throw new QemuConfigError(`QEMU: host CPU ${JSON.stringify(cpu)} is not a CPU number or list like 2 or 2-3`);
      return text;
    });
    const pid = await this.lifecycle.requirePid(keyword, call);
    const named = this.named(call, keyword);
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const threads = await this.vcpuThreads(pid, named);
        if (threads.length !== cpus.length) {
          if (attempt === 3) {
            throw new QemuStateError(
              `Failed to set Qemu threads affinity! VM ${layout.qemuId} has ${threads.length} vCPU threads, ${cpus.length} host CPUs were given`,
            );
          }
          await sleep(1000, undefined, { signal: call.signal });
          continue;
        }
        for (const [index, thread] of threads.entries()) {
          await this.step(named, `pinning vCPU thread ${thread} to CPU ${cpus[index]}`, () =>
            execCmdNoError(node, `taskset -pc ${cpus[index]} ${thread}`, { sudo: true, message: `QEMU: Set affinity failed on ${node.host}!` }),
          );
        }
        call.log.info(`Pinned VM ${layout.qemuId} vCPUs ${threads.map((thread, index) => `${index}(tid ${thread})->${cpus[index]}`).join(' ')}`);
        return;
      }
    } catch (error) {
      await this.lifecycle.killAfterError(named);
      throw error;
    }
  }

  /**
   * `qemu_set_scheduler_policy`: SCHED_RR priority 1 for every vCPU thread. On failure kills this VM (only);
   * with no VM of this session running it fails and kills nothing.
   */
  async qemuSetSchedulerPolicy(call: CallContext): Promise<void> {
    const keyword = 'Qemu Set Scheduler Policy';
    const node = this.identity.node;
    const pid = await this.lifecycle.requirePid(keyword, call);
    const named = this.named(call, keyword);
    try {
      for (const thread of await this.vcpuThreads(pid, named)) {
        await this.step(named, `setting SCHED_RR on vCPU thread ${thread}`, () =>
          execCmdNoError(node, `chrt -r -p 1 ${thread}`, { sudo: true, message: `QEMU: Set SCHED_RR failed on ${node.host}` }),
        );
      }
    } catch (error) {
      await this.lifecycle.killAfterError(named);
      throw error;
    }
  }

  /**
   * `_qemu_qmp_exec`, made public: runs a QMP command on the VM's monitor and returns `{"return": ...}`.
   * A QMP error reply fails with its class and description.
   */
  async qemuQmpExec(command: string, args: JsonObject | null | undefined, call: CallContext): Promise<{ return: JsonValue }> {
    if (typeof command !== 'string' || !/^[A-Za-z0-9_-]+$/.test(command)) {
      throw new QemuConfigError(`QMP command must be a name like query-status, got ${JSON.stringify(command)}`);
    }
    const keyword = 'Qemu Qmp Exec';
    await this.lifecycle.requirePid(keyword, call);
    // The VM's held connection (vm-monitor.ts): QMP serves one client at a time.
    const value = await this.monitor.withClient(this.named(call, keyword), (client) => client.execute(command, args ?? undefined, { signal: call.signal }));
    return { return: value };
  }
}
