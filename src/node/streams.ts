/**
 * Small Duplex helpers. `Duplex.from({readable, writable})` emits AbortError when destroyed before both
 * sides finished, which a socket user does not expect; these behave like a socket instead: destroy()
 * just closes, and the other side sees an end.
 */
import { Duplex, type Readable, type Writable } from 'node:stream';

class PairEnd extends Duplex {
  peer?: PairEnd;

  override _read(): void {
    // Data is pushed by the peer's writes.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.peer?.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
    callback(error);
  }
}

/** Two connected in-memory ends (`stream.duplexPair` only arrives in Node 22). */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** One Duplex reading from `readable` and writing to `writable` (a child's stdout and stdin). */
export function joinStreams(readable: Readable, writable: Writable, onDestroy: () => void): Duplex {
  const joined = new Duplex({
    read() {
      readable.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      writable.write(chunk, callback);
    },
    final(callback) {
      writable.end(callback);
    },
    destroy(error, callback) {
      readable.destroy();
      writable.destroy();
      onDestroy();
      callback(error);
    },
  });
  readable.on('data', (chunk: Buffer) => {
    if (!joined.push(chunk)) readable.pause();
  });
  readable.on('end', () => joined.push(null));
  readable.on('error', (error) => joined.destroy(error));
  writable.on('error', () => undefined);
  return joined;
}
