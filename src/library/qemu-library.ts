/**
 * The QemuUtils remote library: the QEMU domain bound to the generic RemoteLibrary contract. One session
 * (URL path) holds one QemuUtils instance (one VM), or one QemuManager (many VMs, `manager-keywords.ts`).
 */
import type { RemoteLibrary } from '../remote/library';
import { LIBRARY_INIT_DOC, LIBRARY_INTRO } from './docs';
import { qemuKeywords } from './keywords';
import { settingsFromText } from './settings-arguments';
import { MANAGER_INTRO, NO_INSTANCE_MESSAGE, forVmSessions, managerKeywords, type QemuSession } from './manager-keywords';

export type { QemuSession };

export const LIBRARY_NAME = 'QemuUtils';
export const LIBRARY_VERSION = '0.1.0';

/**
 * Builds the QemuUtils remote library. `options` are the server-wide `--qemu-option key=value` settings
 * (see `SETTING_DESCRIPTORS`); an unknown key or a bad value throws a QemuConfigError naming it.
 */
export function createQemuLibrary(options: Record<string, string> = {}): RemoteLibrary<QemuSession> {
  const serverSettings = settingsFromText(options, '--qemu-option');
  return {
    name: LIBRARY_NAME,
    version: LIBRARY_VERSION,
    intro: `${LIBRARY_INTRO}\n${MANAGER_INTRO}`,
    initDoc: LIBRARY_INIT_DOC,
    keywords: [...forVmSessions(qemuKeywords(serverSettings)), ...managerKeywords(serverSettings)],
    instanceMissingMessage: NO_INSTANCE_MESSAGE,
    async disposeInstance(instance, log) {
      await instance.close({ log });
    },
  };
}
