/**
 * Starting, booting and killing one QemuUtils VM, and finding a VM a previous server run left on its id.
 * Which step may run when is the runstate's (`vm-runstate.ts`); this module does the node work.
 */
import { execCmd, NodeConnectionError, nodeLabel, writeFile, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { artifactHtml, BootTimeline, VmArtifacts, type VmArtifact } from './artifacts';
import { processGoneCommand, saysProcessGone, waitForKernelvmBoot, waitForNestedvmBoot } from './boot';
import type { CallContext } from './call';
import { tailLines } from './checks';
import { leftoverProbeCommand, parseVmCleanupOutput, vmCleanupCommand, type LeftoverVm, type VmCleanupReport } from './cleanup';
import { QemuStartError, QemuStateError } from './errors';
import { headMemPath } from './head-params';
import type { Reservation } from './hugepage-reservations';
import { reserveHugePages } from './hugepages';
import { onNodeStep } from './node-step';
import type { HeadBootMarker } from './payloads';
import { startFailureHint } from './start-hints';
import type { HostProfile } from './options';
import type { QemuSettings } from './settings';
import type { VmLayout, VmType } from './params';
import type { FileKind, VmFiles } from './vm-files';
import { copyVmInfo, filesOfId, type VmIdentity, type VmInfo } from './vm-identity';
import { claimVm, leftoverOrigin, ownerMarker, ownerMarkerPath, releaseVm } from './vm-ownership';
import { VmRunstate, type Runstate } from './vm-runstate';

/** The original's boot budgets: kernelvm 60 tries of about 1 s, nestedvm 12 + 12 tries of 5 s. */
export const DEFAULT_BOOT_TIMEOUT: Readonly<Record<VmType, number>> = { kernelvm: 60, nestedvm: 120 };
/**
 * Under TCG a guest boots tens of times slower than under KVM, and on a loaded 2-core host a testpmd
 * kernelvm took 128 s. Failures (QEMU exiting, a panic, a power-down) are detected at once whatever the
 * budget, so a generous one only matters for a guest that hangs silently.
 */
export const TCG_BOOT_TIMEOUT: Readonly<Record<VmType, number>> = { kernelvm: 300, nestedvm: 300 };
/** How long a SIGKILLed QEMU may take to go (it frees its guest memory first). */
const KILL_WAIT_SECONDS = 10;
/** Lines of each removed file shown in the log (the original `cat`ted whole files). */
const KILL_SHOWN_LINES = 200;

/** Why a failed start's artifact was saved; it is then put into the Robot log too. */
const FAILED_START = 'Qemu Start failed';

/** Every runstate but `running`: a start whose pid was never read may be repeated, as the original allowed. */
const STARTABLE: readonly Runstate[] = ['new', 'idle', 'leftover', 'starting', 'cleaning-up'];

/** Where the VM's start command comes from: the command line, written for the node's QEMU. */
export type StartCommand = (call: CallContext) => Promise<{ host: HostProfile; command: string }>;

function serialTail(log: string | undefined): string {
  return log && log.trim() ? `\nSerial log tail:\n${tailLines(log)}` : '';
}

/** Why the call's signal fired: the server's stop, or its client gone (the reason says which). */
function abortReason(call: CallContext): string {
  const reason: unknown = call.signal?.reason;
  return reason instanceof Error ? reason.message : 'server shutting down';
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class VmLifecycle {
  readonly runstate: VmRunstate;
  private readonly node: Node;
  private readonly layout: VmLayout;
  /** The console, command line and guest files of the last run, saved when the VM is killed or fails. */
  readonly artifacts: VmArtifacts;
  /** The figures of the last `Qemu Start`, for the boot timeline. */
  bootTimeline: BootTimeline | undefined;

  /**
   * `headBootMarker`: the HEAD payload's boot marker, if `Configure Kernelvm Vnf` wrote one. A constructor
   * argument, not a field the facade replaces: with the replaced field, every instance outlived young-generation
   * GCs (docs/server.md, "Per-call cost").
   */
  constructor(
    private readonly identity: VmIdentity,
    private readonly files: VmFiles,
    private readonly settings: QemuSettings,
    private readonly startCommand: StartCommand,
    private readonly headBootMarker: () => HeadBootMarker | undefined = () => undefined,
  ) {
    this.node = identity.node;
    this.layout = identity.layout;
    this.runstate = new VmRunstate(() => `VM ${this.layout.qemuId} on ${this.node.host}`);
    this.artifacts = new VmArtifacts(`VM ${this.layout.qemuId} on ${this.node.host}`, () => files.guestFileContents());
  }

  private step<T>(call: CallContext, step: string, run: () => Promise<T>): Promise<T> {
    return onNodeStep(call, this.node, step, run);
  }

  /** `qemu_start`: huge page check, start QEMU, wait for the guest; returns the VM node dict. */
  async qemuStart(call: CallContext): Promise<VmInfo> {
    const state = this.runstate.state;
    if (state.runstate === 'running') {
      throw this.runstate.refusal('Qemu Start', STARTABLE, `QEMU: VM ${this.layout.qemuId} on ${this.node.host} is already running (pid ${state.pid}); Qemu Kill it first`);
    }
    await this.runstate.settled();
    const timeline = new BootTimeline(`VM ${this.layout.qemuId} on ${this.node.host}`);
    this.bootTimeline = timeline;
    try {
      return await this.startAndBoot(call, timeline);
    } catch (error) {
      timeline.failed(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async startAndBoot(call: CallContext, timeline: BootTimeline): Promise<VmInfo> {
    claimVm(this.node, this.layout.qemuId, call.owner);
    if (this.runstate.mayHoldLeftover) await this.refuseLeftover(call);
    const { host, command } = await this.startCommand(call);
    this.artifacts.starting(command);
    const started = performance.now();
    let pages: Reservation | undefined;
    try {
      pages = await this.step(call, 'checking huge pages', () => this.reserveHugePages(call));
      this.runstate.move({ runstate: 'starting' }, ['idle', 'starting']);
      this.files.noteStartFiles();
      await this.writeOwnerMarker(call);
      call.log.info(`Starting VM ${this.layout.qemuId} on ${this.node.host}: sudo -S ${command}`);
      const launched = performance.now();
      timeline.mark('sent');
      const result = await this.step(call, `starting QEMU (VM ${this.layout.qemuId})`, () =>
        execCmd(this.node, command, { sudo: true, timeout: this.settings.startTimeout, signal: call.signal }),
      );
      // QEMU has daemonized with its memory mapped (the kernel counts it now), or it failed.
      pages.release();
      this.artifacts.startPrinted(result.stdout, result.stderr);
      if (result.rc !== 0) {
        // QEMU refused (or died before daemonizing): what it said, and whatever the guest printed, in one round trip.
        const report = await this.cleanUpFailedStart(call);
        const why = result.aborted ? `the start was aborted (${abortReason(call)})` : `rc ${String(result.rc)}${result.exitSignal ? ` (${result.exitSignal})` : ''}`;
        const output = tailLines(result.stderr || result.stdout);
        const serial = report?.files.get(this.layout.log);
        throw new QemuStartError(
          `QEMU: Start failed on ${this.node.host}! ${why}: ${output || '(no output)'}${serialTail(serial)}${startFailureHint(`${output}\n${serial ?? ''}`)}`,
        );
      }
      const daemonized = performance.now();
      timeline.mark('up');
      const pid = await this.readPid(call);
      // A shutdown's close may have killed the VM meanwhile; only a start still under way learns its pid.
      if (pid !== undefined && this.runstate.is('starting')) this.runstate.move({ runstate: 'running', pid }, ['starting']);
      const headBoot = this.identity.vmType === 'kernelvm' ? this.headBootMarker() : undefined;
      const timeoutSeconds = this.bootTimeoutSeconds(host.accelerator, headBoot);
      timeline.budgetSeconds = timeoutSeconds;
      const marker = await this.step(call, `waiting for VM ${this.layout.qemuId} to boot`, () => this.waitUntilVmBoot(timeoutSeconds, call, headBoot));
      const booted = performance.now();
      timeline.mark('booted');
      timeline.detectedBy = marker;
      call.log.info(
        `VM ${this.layout.qemuId} (pid ${String(this.runstate.pid)}) booted on ${this.node.host} in ${seconds(booted - launched)} ` +
          `(QEMU started in ${seconds(daemonized - launched)}, boot detected by ${marker}; keyword total ${seconds(booted - started)}, ` +
          `boot_timeout ${timeoutSeconds} s, ${host.accelerator}${headBoot ? `; ${headBoot.family} marker, CSIT HEAD's ${headBoot.source}` : ''})`,
      );
    } catch (error) {
      pages?.release();
      if (this.runstate.started) await this.cleanUpFailedStart(call);
      throw error;
    }
    return copyVmInfo(this.identity.vmInfo);
  }

  /**
   * 2019's check against the default page size, or (`page_size`, contract=head) against the pool of the VM's
   * own page size at HEAD's mount for it; the pages stay reserved until QEMU has mapped them.
   */
  private async reserveHugePages(call: CallContext): Promise<Reservation> {
    const { pageSize, mem } = this.layout;
    const allocate = this.settings.allocateHugepages;
    const holder = call.owner?.holder;
    const reserve = { vm: `VM ${this.layout.qemuId}${holder === undefined ? '' : ` (session ${holder})`}`, signal: call.signal };
    const mountPoint = pageSize === undefined ? this.settings.hugepageMount : headMemPath(pageSize, this.settings);
    return (await reserveHugePages(this.node, mountPoint, mem, pageSize === undefined ? { allocate } : { allocate, pageSize }, call, reserve)).reservation;
  }

  /**
   * The setting, else the original's budget, or the HEAD payload's (HEAD's `_wait_<vnf>` retries); under TCG
   * (tens of times slower than KVM) at least the TCG budget.
   */
  private bootTimeoutSeconds(accelerator: 'kvm' | 'tcg', headBoot?: HeadBootMarker): number {
    if (this.settings.bootTimeout !== undefined) return this.settings.bootTimeout;
    const fallback = (accelerator === 'tcg' ? TCG_BOOT_TIMEOUT : DEFAULT_BOOT_TIMEOUT)[this.identity.vmType];
    if (headBoot === undefined) return fallback;
    return accelerator === 'tcg' ? Math.max(headBoot.budgetSeconds, fallback) : headBoot.budgetSeconds;
  }

  /** Waits for the guest; returns what showed it booted, for the log. */
  private async waitUntilVmBoot(timeoutSeconds: number, call: CallContext, headBoot?: HeadBootMarker): Promise<string> {
    const pid = this.runstate.pid;
    if (this.identity.vmType === 'kernelvm') {
      const successPatterns = headBoot === undefined ? {} : { successPatterns: headBoot.success };
      const marker = await waitForKernelvmBoot(this.node, { log: this.layout.log, timeoutSeconds, pid, call, ...successPatterns });
      return `'${marker}' in ${this.layout.log}`;
    }
    const vmInfo = this.identity.vmInfo;
    vmInfo.interfaces = await waitForNestedvmBoot(this.node, vmInfo.interfaces, { qga: this.layout.qga, timeoutSeconds, pid, consolePort: this.layout.serialPort, call });
    return `the guest agent on ${this.layout.qga}`;
  }

  /**
   * What the node said about a VM a previous server run left on this id. A shutdown's close may have asked
   * too, meanwhile: the latest answer holds, unless a start of this instance owns the id by now.
   */
  private noteLeftover(found: LeftoverVm | undefined, call: CallContext): void {
    const unstarted: Runstate[] = ['new', 'idle', 'leftover'];
    if (!this.runstate.is(...unstarted)) return;
    this.runstate.move(found === undefined ? { runstate: 'idle' } : { runstate: 'leftover', leftover: found }, unstarted);
    if (found === undefined) return;
    const origin = leftoverOrigin(found);
    call.log.warn(
      `${capitalised(origin.summary)} holds ${this.layout.pidfile} on ${this.node.host} (pid ${found.pid}); ` +
        `files found: ${found.files.join(' ') || '(none)'}; ${origin.detail}`,
    );
  }

  /**
   * Which server and session started the VM, next to its pid file: a later server run that finds the VM
   * tells its own previous run's VM from another server's or another process's (`leftoverOrigin`).
   */
  private async writeOwnerMarker(call: CallContext): Promise<void> {
    try {
      await this.step(call, `writing ${ownerMarkerPath(this.layout.qemuId)}`, () =>
        writeFile(this.node, ownerMarkerPath(this.layout.qemuId), `${ownerMarker(call.owner)}\n`, { sudo: true }),
      );
    } catch (error) {
      call.log.warn(`Could not write the owner marker of VM ${this.layout.qemuId} on ${this.node.host}: ${(error as Error).message}`);
    }
  }

  /** Fails `Qemu Start` while a VM left by a previous server run holds our pid file and sockets. */
  private async refuseLeftover(call: CallContext): Promise<void> {
    const result = await this.step(call, `looking for a VM a previous server run left on ${this.layout.pidfile}`, () =>
      execCmd(this.node, leftoverProbeCommand(this.layout.pidfile, filesOfId(this.layout), ownerMarkerPath(this.layout.qemuId)), {
        sudo: true,
        timeout: 30,
        signal: call.signal,
      }),
    );
    this.noteLeftover(parseVmCleanupOutput(result.stdout).leftover, call);
    const state = this.runstate.state;
    if (state.runstate !== 'leftover') return;
    const origin = leftoverOrigin(state.leftover);
    throw new QemuStateError(
      `QEMU: ${origin.summary} holds ${this.layout.pidfile} (pid ${state.leftover.pid}); ` +
        `run Qemu Kill or Qemu Close in this session to remove it, or use another qemu_id (node ${this.node.host}; ${origin.detail})`,
    );
  }

  /** The pid QEMU wrote, or undefined. */
  private async readPid(call: CallContext): Promise<number | undefined> {
    const result = await this.step(call, `reading ${this.layout.pidfile}`, () => execCmd(this.node, `cat ${shellQuote(this.layout.pidfile)}`, { sudo: true, timeout: 10 }));
    const text = result.stdout.trim();
    return result.rc === 0 && /^\d+$/.test(text) ? Number(text) : undefined;
  }

  /**
   * The pid of the VM this instance started; `keyword` fails when it started none. The original read the
   * pid file of whatever QEMU held the id; pinning another session's (or a previous server run's) VM, or
   * a process that reused a stale pid, is refused here instead (docs/deviations.md 3.13).
   */
  async requirePid(keyword: string, call: CallContext): Promise<number> {
    const state = this.runstate.state;
    if (state.runstate === 'running') return state.pid;
    if (state.runstate === 'starting') {
      const pid = await this.readPid(call);
      if (pid !== undefined) return pid;
    }
    const current = this.runstate.state;
    const why =
      current.runstate === 'leftover'
        ? `${leftoverOrigin(current.leftover).summary} holds ${this.layout.pidfile} (pid ${current.leftover.pid}), and only a VM this session started is touched; run Qemu Kill to remove it, then Qemu Start`
        : current.runstate === 'starting'
          ? `QEMU has not written ${this.layout.pidfile} yet; wait until Qemu Start returns`
          : current.runstate === 'cleaning-up'
            ? 'its start failed and is being cleaned up; run Qemu Start again'
            : 'this session has not started it; run Qemu Start first';
    throw this.runstate.refusal(
      keyword,
      ['running'],
      `${keyword}: VM ${this.layout.qemuId} on ${this.node.host} is not running (runstate ${current.runstate}, needs running): ${why}`,
    );
  }

  /**
   * One node command: SIGKILLs our QEMU if the pid file names a process started with our pid file, waits
   * until it is gone, shows the tails of the files being removed, and removes the created files of `kinds`.
   */
  private async killAndRemove(call: CallContext, kinds: readonly FileKind[], kill = true, adopt = false, why?: string): Promise<VmCleanupReport> {
    const { remove: created, show } = this.files.ofKinds(kinds);
    if (!kill && created.length === 0) return { outcome: 'not-running', files: new Map(), captures: new Map() };
    // The guest console goes with the runtime files: read it whole (bounded) first, for the saved artifact.
    const capture = created.includes(this.layout.log) ? [this.layout.log] : [];
    // The owner marker goes with the VM it names; it is not one of the instance's files.
    const remove = created.includes(this.layout.pidfile) ? [...created, ownerMarkerPath(this.layout.qemuId)] : created;
    const pid = this.runstate.pid;
    const command = vmCleanupCommand({
      kill,
      ...(adopt ? { adopt: filesOfId(this.layout), marker: ownerMarkerPath(this.layout.qemuId) } : {}),
      pidfile: this.layout.pidfile,
      ...(pid === undefined ? {} : { pid }),
      show,
      capture,
      showLines: KILL_SHOWN_LINES,
      remove,
      maxWaitSeconds: KILL_WAIT_SECONDS,
    });
    // No abort signal: cleanup must run even when the keyword is being aborted.
    const what = adopt
      ? `looking for a VM a previous server run left on ${this.layout.pidfile}${remove.length > 0 ? ` and removing the files of VM ${this.layout.qemuId}` : ''}`
      : kill
      ? `killing VM ${this.layout.qemuId}${pid === undefined ? '' : ` (pid ${pid})`}${remove.length > 0 ? ' and removing its files' : ''}`
      : `removing the files of VM ${this.layout.qemuId}`;
    const result = await this.step(call, what, () => execCmd(this.node, command, { sudo: true, timeout: KILL_WAIT_SECONDS + 30 }));
    const report = parseVmCleanupOutput(result.stdout);
    if (adopt) this.noteLeftover(report.leftover, call);
    if (result.rc !== 0) {
      throw new QemuStateError(`QEMU: cleaning up VM ${this.layout.qemuId} on ${this.node.host} failed (rc ${String(result.rc)}): ${tailLines(result.stderr || result.stdout, 5)}`);
    }
    if (report.outcome === 'killed') call.log.debug(`Killed QEMU process ${String(report.pid)} of VM ${this.layout.qemuId} on ${this.node.host}`);
    if (report.outcome === 'survived') call.log.warn(`QEMU process ${String(report.pid)} on ${this.node.host} still runs ${KILL_WAIT_SECONDS} s after SIGKILL`);
    for (const [path, text] of report.files) call.log.trace(`${path} (last ${KILL_SHOWN_LINES} lines):\n${text}`);
    if (capture.length > 0 && this.artifacts.attempted) this.saveArtifact(why ?? (call.keyword ?? 'killed'), report, call);
    this.files.removed(remove);
    if (remove.length > 0) call.log.debug(`Removed on ${this.node.host}: ${remove.join(' ')}`);
    const state = this.runstate.state;
    if (state.runstate === 'leftover' && report.outcome !== 'survived') {
      const origin = leftoverOrigin(state.leftover);
      call.log.warn(`Removed ${origin.summary} on ${this.node.host}: pid ${state.leftover.pid}, ${filesOfId(this.layout).join(' ')} (${origin.detail})`);
      this.runstate.move({ runstate: 'idle' }, ['leftover']);
    }
    return report;
  }

  /** Saves what the run left (before its guest files are forgotten); a failed start also shows it in the Robot log. */
  private saveArtifact(why: string, report: VmCleanupReport, call: CallContext): VmArtifact {
    const artifact = this.artifacts.save(why, report.captures.get(this.layout.log), call.log);
    if (why === FAILED_START) call.log.html?.(artifactHtml(artifact));
    else call.log.info(`The console of VM ${this.layout.qemuId} (${artifact.console?.size ?? 0} bytes) and its configuration are saved on the server; Qemu Get Console Log returns the console`);
    return artifact;
  }

  /** The VM this instance started is gone (or is no longer its to answer for). */
  private stopped(): void {
    if (this.runstate.started) this.runstate.move({ runstate: 'idle' }, ['starting', 'running']);
  }

  /**
   * After a failed start: this VM killed, its runtime files removed. The guest configuration stays, for a
   * corrected `Qemu Start`; `Qemu Kill` / `Qemu Close` remove it. Never throws: the start's error matters more.
   */
  private async cleanUpFailedStart(call: CallContext): Promise<VmCleanupReport | undefined> {
    let finish = (): void => undefined;
    // Not started any more when a shutdown's close killed the VM meanwhile: then only the files are left to go.
    if (this.runstate.started) {
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      this.runstate.move({ runstate: 'cleaning-up', pid: this.runstate.pid, done }, ['starting', 'running']);
    }
    try {
      return await this.killAndRemove(call, ['runtime', 'socket'], true, false, FAILED_START);
    } catch (error) {
      call.log.warn(`Cleaning up after the failed start on ${this.node.host} failed too: ${(error as Error).message}`);
      return undefined;
    } finally {
      if (this.runstate.is('cleaning-up')) this.runstate.move({ runstate: 'idle' }, ['cleaning-up']);
      finish();
    }
  }

  /** `qemu_kill`: kills this instance's VM (by its pid file) and removes only the files this instance created. */
  async qemuKill(call: CallContext): Promise<void> {
    await this.runstate.settled();
    // An instance that started nothing may find a VM a previous server run left on its pid file: adopt it,
    // unless another live session of this server holds the id (then the VM is that session's: fail, naming it).
    const adopt = this.runstate.mayHoldLeftover;
    if (adopt) claimVm(this.node, this.layout.qemuId, call.owner);
    const kill = !this.runstate.is('idle');
    await this.killAndRemove(call, ['config', 'runtime', 'socket'], kill, adopt);
    this.stopped();
  }

  /**
   * `qemu_kill_all`: `pkill -SIGKILL qemu` on the node, as the original: it kills EVERY process whose name
   * contains "qemu" (other sessions' and other users' VMs, qemu-ga, qemu-nbd). Then removes this instance's files.
   */
  async qemuKillAll(call: CallContext): Promise<void> {
    call.log.warn(`Qemu Kill All: killing EVERY process named like "qemu" on ${this.node.host} (pkill -SIGKILL qemu), not only this session's VM`);
    await this.runstate.settled();
    const pid = this.runstate.pid ?? (this.runstate.is('starting') ? await this.readPid(call) : undefined);
    await this.step(call, 'killing every QEMU (pkill -SIGKILL qemu)', () => execCmd(this.node, 'pkill -SIGKILL qemu', { sudo: true }));
    if (pid !== undefined) {
      const gone = await this.step(call, `waiting for QEMU process ${pid} to go`, () =>
        execCmd(this.node, processGoneCommand(pid, KILL_WAIT_SECONDS), { timeout: KILL_WAIT_SECONDS + 30 }),
      );
      if (!saysProcessGone(gone.stdout)) call.log.warn(`QEMU process ${pid} on ${this.node.host} still runs ${KILL_WAIT_SECONDS} s after SIGKILL`);
    }
    this.stopped();
    await this.killAndRemove(call, ['config', 'runtime', 'socket'], false);
  }

  /** Ends the instance: kills its VM if still running and removes its files. Safe to call more than once. */
  async close(call: CallContext): Promise<void> {
    try {
      await this.closeVm(call);
    } finally {
      this.artifacts.dispose();
      releaseVm(this.node, this.layout.qemuId, call.owner);
    }
  }

  private async closeVm(call: CallContext): Promise<void> {
    await this.runstate.settled();
    if (this.runstate.is('idle') && !this.files.anyCreated) return;
    const state = this.runstate.state;
    // Whether a VM may run on the node that this instance is answerable for: its own, or a leftover it found.
    const vmMayRun = this.runstate.is('starting', 'running', 'leftover');
    const pid = state.runstate === 'running' ? state.pid : state.runstate === 'leftover' ? state.leftover.pid : undefined;
    const files = this.files.createdFiles();
    try {
      await this.qemuKill(call);
    } catch (error) {
      if (!(error instanceof NodeConnectionError)) throw error;
      if (vmMayRun) {
        throw new QemuStateError(
          `QEMU: VM ${this.layout.qemuId}${pid === undefined ? '' : ` (pid ${pid})`} on ${nodeLabel(this.node)} could not be checked or ` +
            `killed, it may still be running there; its files stay too. Kill it on the node (${this.layout.pidfile}) or run ` +
            `Qemu Kill with the same qemu_id in a new session once the node is back. ${error.message}`,
          { cause: error },
        );
      }
      // Started nothing: only the look for a previous server run's VM (and the removal of guest configuration
      // files) failed. Closing must not fail a teardown over a node that is down; say what was not done.
      call.log.warn(
        `${error.message}\nThis session started no VM there, so it is closed all the same; not checked for a VM a previous ` +
          `server run left on ${this.layout.pidfile}${files.length > 0 ? `, and not removed: ${files.join(' ')}` : ''}.`,
      );
      // Said once: the session's end (which closes again) must not repeat the attempt and the warning.
      if (this.runstate.is('new')) this.runstate.move({ runstate: 'idle' }, ['new']);
      this.files.forget();
    }
  }

  /** After a failed pinning step: this VM killed; a failure to kill is logged, the step's error matters more. */
  async killAfterError(call: CallContext): Promise<void> {
    try {
      await this.qemuKill(call);
    } catch (cleanupError) {
      call.log.warn(`Killing VM ${this.layout.qemuId} after the error failed too: ${(cleanupError as Error).message}`);
    }
  }
}
