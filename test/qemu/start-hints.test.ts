import { startFailureHint } from '../../src/qemu/start-hints';

// What QEMU 7.2 printed on a KVM host that could not run `-cpu host` guests (issue 15).
const MSR_FAILURE =
  'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000000d0c6b\n' +
  'qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3002: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.';

describe('startFailureHint', () => {
  it('points a KVM that cannot set an MSR at accel=tcg|auto and cpu_model', () => {
    const hint = startFailureHint(MSR_FAILURE);
    expect(hint).toMatch(/^\nHint: this host's KVM cannot run the guest with this CPU model/);
    expect(hint).toContain('accel=tcg');
    expect(hint).toContain('accel=auto');
    expect(hint).toContain('cpu_model=host,-arch-capabilities');
  });

  it('knows each of the two lines on its own', () => {
    for (const line of MSR_FAILURE.split('\n')) expect([line, startFailureHint(line)]).toEqual([line, expect.stringContaining('accel=tcg')]);
  });

  it('points a host without KVM at accel=tcg|auto', () => {
    expect(startFailureHint('Could not access KVM kernel module: No such file or directory\nqemu-system-x86_64: failed to initialize kvm: No such file or directory')).toMatch(
      /^\nHint: KVM is not usable on this host\. Use accel=tcg or accel=auto/,
    );
  });

  it('adds nothing to other failures', () => {
    expect(startFailureHint('qemu-system-x86_64: -balloon: invalid option')).toBe('');
    expect(startFailureHint('')).toBe('');
  });
});
