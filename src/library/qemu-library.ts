// PLACEHOLDER owned by the QEMU-keywords engineer: replaced by the real keyword binding.
import type { RemoteLibrary } from '../remote/library';

export interface QemuSession {
  readonly placeholder: true;
}

/** Builds the QemuUtils remote library. `options` are server-wide `--qemu-option key=value` settings. */
export function createQemuLibrary(options: Record<string, string> = {}): RemoteLibrary<QemuSession> {
  void options;
  return {
    name: 'QemuUtils',
    version: '0.1.0',
    intro: 'QemuUtils (placeholder).',
    initDoc: '',
    keywords: [],
    instanceMissingMessage: 'No QemuUtils instance in this session: run `Qemu Init` first.',
    async disposeInstance(): Promise<void> {},
  };
}
