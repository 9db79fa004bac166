import { boundResult, boundText, describeGuestCommand } from '../../../src/qemu/guest';

describe('guest command output bounds', () => {
  it('keeps output within the bound as it is', () => {
    expect(boundText('abc', 3)).toEqual({ text: 'abc', truncated: false });
  });

  it('cuts longer output at the bound, never inside a UTF-8 character, and says how much was cut', () => {
    const cut = boundText('aé€x', 4); // a(1) é(2) €(3) x(1): 4 bytes end inside €
    expect(cut.truncated).toBe(true);
    expect(cut.text).toBe('aé\n[... 4 more bytes cut at max_output=4]');
  });

  it('bounds both streams and keeps the agent truncation flag and signal', () => {
    const result = boundResult({ rc: null, stdout: 'x'.repeat(10), stderr: 'ok', signal: 9, truncated: false }, 5);
    expect(result).toEqual({ rc: null, stdout: `xxxxx\n[... 5 more bytes cut at max_output=5]`, stderr: 'ok', truncated: true, signal: 9 });
    expect(boundResult({ rc: 0, stdout: '', stderr: '', truncated: true }, 5).truncated).toBe(true);
  });

  it('describes the command for the log with rc and both streams', () => {
    expect(describeGuestCommand('uname', 'guest agent of VM 1', { rc: 0, stdout: 'Linux\n', stderr: '', truncated: false })).toBe('guest agent of VM 1: uname\nrc=0\nstdout:\nLinux');
  });
});
