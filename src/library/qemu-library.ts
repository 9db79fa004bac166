/**
 * The QemuUtils remote library: the QEMU domain bound to the generic RemoteLibrary contract. One session
 * (URL path) holds one QemuUtils instance (one VM), or one QemuManager (many VMs, `manager-keywords.ts`).
 */
import { nodeLabel } from '../node';
import { QemuManager } from '../qemu/manager';
import type { KeywordDefinition, RemoteLibrary } from '../remote/library';
import { runAsVmOwner, VmOwnership, type VmOwner } from '../qemu/vm-ownership';
import { runWithServerReport, type ServerReport } from '../qemu/artifacts';
import { LIBRARY_INIT_DOC, LIBRARY_INTRO } from './docs';
import { qemuKeywords } from './keywords';
import { settingsFromText } from './settings-arguments';
import { MANAGER_INTRO, NO_INSTANCE_MESSAGE, forVmSessions, managerKeyword, managerKeywords, type QemuSession } from './manager-keywords';
import { artifactManagerKeywords } from './artifact-keywords';

export type { QemuSession };

export const LIBRARY_NAME = 'QemuUtils';
export const LIBRARY_VERSION = '0.1.0';

/** The session as the server log and ownership messages name it: `/` for the default one. */
function holderOf(session: string): string {
  return `/${session}`;
}

/**
 * Every keyword runs as its session, the owner of the VMs it makes and starts (`vm-ownership.ts`). A keyword
 * that creates the session's instance and fails leaves no claim behind: the session holds nothing then.
 */
function asSessionOwner(keyword: KeywordDefinition<QemuSession>, ownership: VmOwnership, report?: ServerReport): KeywordDefinition<QemuSession> {
  return {
    ...keyword,
    async run(context, args) {
      const owner: VmOwner = { registry: ownership, holder: holderOf(context.session) };
      try {
        return await runWithServerReport(report, () => runAsVmOwner(owner, () => keyword.run(context, args)));
      } catch (error) {
        if (keyword.instance === 'creates') ownership.releaseHolder(owner.holder);
        throw error;
      }
    },
  };
}

/**
 * Builds the QemuUtils remote library. `options` are the server-wide `--qemu-option key=value` settings
 * (see `SETTING_DESCRIPTORS`); an unknown key or a bad value throws a QemuConfigError naming it. Each
 * library has its own VM ownership: the (node, qemu_id) pairs its sessions hold. `serverLog` (the server's
 * winston logger) gets the lines the domain writes for operators: one per VM boot.
 */
export function createQemuLibrary(options: Record<string, string> = {}, ownership: VmOwnership = new VmOwnership(), serverLog?: ServerReport): RemoteLibrary<QemuSession> {
  const serverSettings = settingsFromText(options, '--qemu-option');
  const keywords = [...forVmSessions(qemuKeywords(serverSettings)), ...managerKeywords(serverSettings), ...artifactManagerKeywords(managerKeyword)];
  return {
    name: LIBRARY_NAME,
    version: LIBRARY_VERSION,
    intro: `${LIBRARY_INTRO}\n${MANAGER_INTRO}`,
    initDoc: LIBRARY_INIT_DOC,
    keywords: keywords.map((keyword) => asSessionOwner(keyword, ownership, serverLog)),
    instanceMissingMessage: NO_INSTANCE_MESSAGE,
    describeInstance(instance) {
      if (instance instanceof QemuManager) {
        const vms = instance.vms.map((vm) => `${vm.name} (VM ${vm.qemuId} on ${nodeLabel(vm.vm.node)})`);
        return vms.length > 0 ? `VM manager of ${vms.join(', ')}` : 'VM manager without VMs';
      }
      return `VM ${instance.qemuId} on ${nodeLabel(instance.node)} (${instance.running ? 'running' : 'not running'})`;
    },
    async disposeInstance(instance, log, session) {
      const holder = holderOf(session);
      try {
        await runAsVmOwner({ registry: ownership, holder }, () => instance.close({ log }));
      } finally {
        // The session holds nothing any more, whatever the close could do on the node.
        ownership.releaseHolder(holder);
      }
    },
  };
}
