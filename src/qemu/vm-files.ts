/**
 * The files a QemuUtils VM involves on its node (the original's `_temp`) and, of those, the ones this
 * instance created: the only files it ever removes.
 */
import { execCmdNoError, writeFile, type Node } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { onNodeStep } from './node-step';
import type { VmLayout, VmType } from './params';

/** What a created file is, by the original's `_temp` key: only these are ever removed. */
export type FileKind = 'config' | 'runtime' | 'socket';

export class VmFiles {
  /** The original's `_temp`: every file the VM involves, by key (`pidfile`, `qmp`, `vhost1`, ...). */
  private readonly temp = new Map<string, string>();
  /** Of those, what this instance created on the node (path -> kind). */
  private readonly created = new Map<string, FileKind>();
  /** The guest configuration files as written (path -> content), for a failed run's saved artifact. */
  private readonly written = new Map<string, string>();
  /** vhost-user sockets QEMU creates (server mode), which it leaves behind when killed. */
  private readonly serverSockets: string[] = [];

  constructor(private readonly node: Node, private readonly layout: VmLayout, private readonly vmType: VmType) {
    this.temp.set('pidfile', layout.pidfile);
    this.temp.set('qmp', layout.qmp);
    if (vmType === 'nestedvm') {
      this.temp.set('qga', layout.qga);
    } else {
      this.temp.set('log', layout.log);
      this.temp.set('ini', layout.ini);
    }
  }

  /** The temporary files the VM involves, by the original's keys. */
  tempFiles(): Record<string, string> {
    return Object.fromEntries(this.temp);
  }

  note(key: string, path: string): void {
    this.temp.set(key, path);
  }

  addVhostSocket(key: string, socket: string, server: boolean): void {
    this.temp.set(key, socket);
    if (server) this.serverSockets.push(socket);
  }

  /** The files this instance created on the node and would remove. */
  createdFiles(): string[] {
    return [...this.created.keys()];
  }

  get anyCreated(): boolean {
    return this.created.size > 0;
  }

  /**
   * What a start leaves on the node: pid file, monitor sockets, serial log (kernelvm) or console log
   * (nestedvm, QEMU's chardev `logfile`), server-mode vhost-user sockets.
   */
  noteStartFiles(): void {
    this.created.set(this.layout.pidfile, 'runtime');
    this.created.set(this.layout.qmp, 'socket');
    if (this.vmType === 'nestedvm') this.created.set(this.layout.qga, 'socket');
    this.created.set(this.layout.log, 'runtime');
    for (const socket of this.serverSockets) this.created.set(socket, 'socket');
  }

  /** The created files of `kinds`: all to remove, and those whose tails are worth showing (not sockets). */
  ofKinds(kinds: readonly FileKind[]): { remove: string[]; show: string[] } {
    const remove = [...this.created].filter(([, kind]) => kinds.includes(kind)).map(([path]) => path);
    return { remove, show: remove.filter((path) => this.created.get(path) !== 'socket') };
  }

  removed(paths: readonly string[]): void {
    for (const path of paths) {
      this.created.delete(path);
      this.written.delete(path);
    }
  }

  /** The guest configuration files this instance wrote and has not removed, as written. */
  guestFileContents(): ReadonlyMap<string, string> {
    return this.written;
  }

  /** Forgets every created file (they could not be removed, and that has been said). */
  forget(): void {
    this.created.clear();
    this.written.clear();
  }

  /** Writes a file on the node as root, replacing (not writing through) whatever is there. */
  async writeNodeFile(call: CallContext, path: string, content: string, mode?: string): Promise<void> {
    await onNodeStep(call, this.node, `writing ${path}`, async () => {
      // rm first, as the original did: tee would otherwise follow a symlink planted at a predictable path.
      await execCmdNoError(this.node, `rm -f ${shellQuote(path)}`, { sudo: true });
      await writeFile(this.node, path, content, { sudo: true, ...(mode === undefined ? {} : { mode }) });
    });
    this.created.set(path, 'config');
    this.written.set(path, content);
  }
}
