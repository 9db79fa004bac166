import { execFileSync } from 'node:child_process';
import { headKernelvmPayload } from '../../../src/qemu/payloads';
import { DEFAULT_TEMPLATE_DIR } from '../../../src/qemu/settings';
import { TemplateGenerations } from '../../../src/qemu/template';

/** bash itself reads the filled HEAD init scripts (integration: a child process). */
describe("HEAD's init scripts, filled", () => {
  it.each([
    ['testpmd_mac', { queues: 1, jumbo: false, vif1_mac: '02:fe:00:00:00:01', vif2_mac: '02:fe:00:00:00:02' }],
    ['iperf3', {}],
  ])('%s parses as bash and leaves no doubled dollar', async (vnf, kwargs) => {
    const templates = await new TemplateGenerations(DEFAULT_TEMPLATE_DIR).generation('head');
    const payload = await headKernelvmPayload({ vnf, qemuId: 1, smp: 2, pageSize: '2M', kwargs, templates });
    expect(payload.init.content.startsWith('#!/bin/bash\n')).toBe(true);
    expect(() => execFileSync('bash', ['-n'], { input: payload.init.content })).not.toThrow();
    expect(payload.init.content).not.toMatch(/\$\$/);
  });
});
