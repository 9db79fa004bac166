/**
 * The QemuUtils remote library: the QEMU domain bound to the generic RemoteLibrary contract. One session
 * (URL path) holds one QemuUtils instance (one VM), or one QemuManager (many VMs, `manager-keywords.ts`).
 */
import { nodeLabel } from '../node';
import { QemuManager } from '../qemu/manager';
import { packageIdentity } from '../remote/docs/endpoint';
import type { ServerEventLog } from '../qemu';
import type { KeywordDefinition, RemoteLibrary } from '../remote/library';
import { printableName } from '../remote/robot/names';
import { VmOwnership, type VmOwner } from '../qemu/vm-ownership';
import { LIBRARY_INIT_DOC, LIBRARY_INTRO } from './docs';
import { OwnedContext } from './keyword-support';
import { qemuKeywords } from './keywords';
import { settingsFromText } from './settings-arguments';
import { MANAGER_INTRO, NO_INSTANCE_MESSAGE, forVmSessions, managerKeyword, managerKeywords, type QemuSession } from './manager-keywords';
import { artifactManagerKeywords } from './artifact-keywords';

export type { QemuSession };

export const LIBRARY_NAME = 'QemuUtils';
/** The package's version (package.json), as libdoc, `__intro__` and `Get Library Version` show it. */
export const LIBRARY_VERSION = packageIdentity(__dirname).version ?? 'unknown';

/** Needs no session instance: a suite can record which library version ran it, before or without a VM. */
const getLibraryVersion: KeywordDefinition<QemuSession> = {
  name: 'get_library_version',
  instance: 'none',
  tags: ['session'],
  parameters: [],
  returnType: 'str',
  doc: `Returns the version of this qemu-utils-remote library (its package.json), e.g. \`${LIBRARY_VERSION}\`. Works in
any session, with or without an instance.

Example:
| \${version}= | Get Library Version |
| Set Suite Metadata | qemu-utils-remote | \${version} |`,
  run: () => Promise.resolve(LIBRARY_VERSION),
};

/** The session as the server log and ownership messages name it: `/` for the default one. */
function holderOf(session: string): string {
  return `/${session}`;
}

/**
 * Every keyword runs as its session, the owner of the VMs it makes and starts (`vm-ownership.ts`): the
 * owner rides on the keyword's context (`OwnedContext`) into the domain's call context. A keyword that
 * creates the session's instance and fails leaves no claim behind: the session holds nothing then.
 */
function asSessionOwner(keyword: KeywordDefinition<QemuSession>, ownership: VmOwnership): KeywordDefinition<QemuSession> {
  return {
    ...keyword,
    async run(context, args) {
      const owner: VmOwner = { registry: ownership, holder: holderOf(context.session) };
      try {
        return await keyword.run(new OwnedContext(context, context.instance, owner), args);
      } catch (error) {
        if (keyword.instance === 'creates') ownership.releaseHolder(owner.holder);
        throw error;
      }
    },
  };
}

/** The running VMs an instance holds: `VM 1 on root@dut1:22`. */
function runningVms(instance: QemuSession): string[] {
  const vms = instance instanceof QemuManager ? instance.vms.map((managed) => managed.vm) : [instance];
  return vms.filter((vm) => vm.running).map((vm) => `VM ${vm.qemuId} on ${nodeLabel(vm.node)}`);
}

/**
 * A creating keyword (Qemu Init, Qemu Manager Init) in a session whose VM runs is refused rather than
 * killing it: the likely caller is a second Robot import of the same URL under another alias (`WITH NAME
 * vm2`), which shares the session, and the VM belongs to the first. A re-init in the same alias only has
 * to kill its VM first, as CSIT's tests do in their teardowns (docs/robot-suites.md, "Ownership").
 */
function replaceRefusal(instance: QemuSession, session: string, keyword: string): string | undefined {
  const running = runningVms(instance);
  if (running.length === 0) return undefined;
  const path = holderOf(session);
  return (
    `${printableName(keyword)} in session ${path}: ${running.join(', ')} of this session still ${running.length === 1 ? 'runs' : 'run'}, and ` +
    `${printableName(keyword)} would kill ${running.length === 1 ? 'it' : 'them'}. Two Robot imports of one URL (WITH NAME vm1, vm2) share session ${path}: ` +
    `give each import its own session path (http://<server>:<port>/vm2), or run Qemu Kill or Qemu Close in session ${path} first.`
  );
}

/**
 * Builds the QemuUtils remote library. `options` are the server-wide `--qemu-option key=value` settings
 * (see `SETTING_DESCRIPTORS`); an unknown key or a bad value throws a QemuConfigError naming it. Each
 * library has its own VM ownership: the (node, qemu_id) pairs its sessions hold. `serverLog` (the server's
 * log) gets each VM's QMP events as they come, and one line per VM boot.
 */
export function createQemuLibrary(
  options: Record<string, string> = {},
  ownership: VmOwnership = new VmOwnership(),
  serverLog?: ServerEventLog,
): RemoteLibrary<QemuSession> {
  const serverSettings = settingsFromText(options, '--qemu-option');
  const keywords = [...forVmSessions(qemuKeywords(serverSettings, serverLog)), ...managerKeywords(serverSettings, serverLog), ...artifactManagerKeywords(managerKeyword), getLibraryVersion];
  return {
    name: LIBRARY_NAME,
    version: LIBRARY_VERSION,
    intro: `Version ${LIBRARY_VERSION} (\`Get Library Version\` returns it to a test).\n\n${LIBRARY_INTRO}\n${MANAGER_INTRO}`,
    initDoc: LIBRARY_INIT_DOC,
    keywords: keywords.map((keyword) => asSessionOwner(keyword, ownership)),
    instanceMissingMessage: NO_INSTANCE_MESSAGE,
    describeInstance(instance) {
      if (instance instanceof QemuManager) {
        const vms = instance.vms.map((vm) => `${vm.name} (VM ${vm.qemuId} on ${nodeLabel(vm.vm.node)})`);
        return vms.length > 0 ? `VM manager of ${vms.join(', ')}` : 'VM manager without VMs';
      }
      return `VM ${instance.qemuId} on ${nodeLabel(instance.node)} (${instance.running ? 'running' : 'not running'})`;
    },
    replaceRefusal,
    async disposeInstance(instance, log, session) {
      const holder = holderOf(session);
      try {
        await instance.close({ log, owner: { registry: ownership, holder } });
      } finally {
        // The session holds nothing any more, whatever the close could do on the node.
        ownership.releaseHolder(holder);
      }
    },
  };
}
