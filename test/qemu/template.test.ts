import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEFAULT_TEMPLATE_DIR } from '../../src/qemu/settings';
import { pythonStr, safeSubstitute, TemplateStore } from '../../src/qemu/template';

describe('safeSubstitute (Python string.Template.safe_substitute)', () => {
  it('replaces $name and ${name}, turns $$ into $, leaves unknown names and stray $ alone', () => {
    const text = 'a=$a b=${b} c=$c d=${d} e=$$a f=$ g=$1 h=${ i=${a}x j=$ax';
    expect(safeSubstitute(text, { a: 'A', b: 'B' })).toBe('a=A b=B c=$c d=${d} e=$a f=$ g=$1 h=${ i=Ax j=$ax');
  });

  it('does not rescan what it inserted and ignores extra keys', () => {
    expect(safeSubstitute('$x', { x: '$y', y: 'no', z: 'unused' })).toBe('$y');
  });

  it('prints values as Python str() does', () => {
    expect(safeSubstitute('$t $f $n $i', { t: true, f: false, n: null, i: 3 })).toBe('True False None 3');
    expect(pythonStr(undefined)).toBe('None');
  });

  it('matches Python itself on a tricky template', () => {
    const text = 'x=$x ${x} $$x $$$x ${y} $_u ${X} $9 $';
    const values = { x: '1', _u: 'U', X: 'upper' };
    const python = execFileSync('python3', ['-c', 'import sys,json,string; v=json.loads(sys.argv[2]); sys.stdout.write(string.Template(sys.argv[1]).safe_substitute(**v))', text, JSON.stringify(values)]).toString();
    expect(safeSubstitute(text, values)).toBe(python);
  });
});

describe('TemplateStore', () => {
  const store = new TemplateStore(DEFAULT_TEMPLATE_DIR);

  it('ships the two VPP exec templates and the init script', async () => {
    expect(await store.execTemplates()).toEqual(['vpp_chain_ip4', 'vpp_chain_l2xc']);
    expect(await store.initTemplate()).toContain('$vnf_bin');
  });

  it('fills vpp_chain_ip4 with the MACs it needs and ends with show version', async () => {
    const filled = safeSubstitute(await store.execTemplate('vpp_chain_ip4'), {
      mac1: '52:54:00:00:01:01',
      mac2: '52:54:00:00:01:02',
      vif1_mac: 'aa:aa:aa:aa:aa:01',
      vif2_mac: 'aa:aa:aa:aa:aa:02',
    });
    expect(filled).not.toContain('$');
    expect(filled).toContain('set interface mac address GigabitEthernet0/6/0 52:54:00:00:01:01');
    expect(filled).toContain('set ip arp static GigabitEthernet0/7/0 1.1.2.2 aa:aa:aa:aa:aa:02');
    expect(filled.trimEnd().split('\n').pop()).toBe('show version');
  });

  it('accepts only names of templates that exist: no path tricks', async () => {
    await expect(store.execTemplate('../vm/vpp_chain_ip4')).rejects.toThrow(/no VPP template for VNF "..\/vm\/vpp_chain_ip4".*available: vpp_chain_ip4, vpp_chain_l2xc/);
    await expect(store.execTemplate('/etc/passwd')).rejects.toThrow(/no VPP template/);
    await expect(store.execTemplate('vpp')).rejects.toThrow(/no VPP template for VNF "vpp"/);
  });

  it('reads another directory when configured, and says when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qur-tpl-'));
    try {
      await writeFile(join(dir, 'vpp_custom.exec'), 'show version\n');
      const custom = new TemplateStore(dir);
      expect(await custom.execTemplate('vpp_custom')).toBe('show version\n');
      await expect(custom.initTemplate()).rejects.toThrow(/template init.sh cannot be read from/);
    } finally {
      await rm(dir, { recursive: true });
    }
    await expect(new TemplateStore('/nonexistent-qur').execTemplates()).rejects.toThrow(/template directory \/nonexistent-qur cannot be read/);
  });
});

describe('the init.sh template', () => {
  it('is valid bash once filled, runs the VNF and powers off', async () => {
    const filled = safeSubstitute(await new TemplateStore(DEFAULT_TEMPLATE_DIR).initTemplate(), { vnf_bin: "/usr/bin/dpdk-testpmd -v -l 0-1 -- --eth-peer='0,aa'" });
    expect(() => execFileSync('bash', ['-n'], { input: filled })).not.toThrow();
    expect(filled).toContain("\n/usr/bin/dpdk-testpmd -v -l 0-1 -- --eth-peer='0,aa'\n");
    expect(filled).toContain('echo uio_pci_generic > "$dev/driver_override"');
    expect(filled).toContain('poweroff -f');
    expect(filled).not.toMatch(/\$\$/);
  });
});
