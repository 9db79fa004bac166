/**
 * Sends arbitrary bytes as an HTTP request over a fresh TCP connection (as Robot does, one per call) and
 * reads what comes back, so tests can send what no HTTP client library would: broken request lines and
 * headers, lying Content-Length, invalid chunking, bodies past the server's limit.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method?: string;
  path?: string;
  /** Header lines as sent; `Content-Length` is added for the body unless `headers` names one or `chunked`. */
  headers?: [string, string][];
  body?: Buffer | string;
  /** Sent as chunked transfer encoding in chunks of this size. */
  chunked?: number;
  /** Replaces the whole request (request line, headers and body). */
  raw?: Buffer;
  httpVersion?: string;
  /** Half-close the connection once the request is written (a client that gives up on a short body). */
  endAfterWrite?: boolean;
}

export interface RawResponse {
  /** 0 when the server closed without sending a status line. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  /** The connection was closed or reset before a complete response arrived. */
  incomplete: boolean;
  timedOut: boolean;
}

export function encodeRequest(request: RawRequest): Buffer {
  if (request.raw) return request.raw;
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? Buffer.alloc(0));
  const headers = [...(request.headers ?? [])];
  const named = (name: string): boolean => headers.some(([key]) => key.toLowerCase() === name);
  if (!named('host')) headers.unshift(['Host', '127.0.0.1']);
  if (!named('content-type')) headers.push(['Content-Type', 'text/xml']);
  let payload = body;
  if (request.chunked) {
    headers.push(['Transfer-Encoding', 'chunked']);
    const parts: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += request.chunked) {
      const chunk = body.subarray(offset, offset + request.chunked);
      parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    payload = Buffer.concat(parts);
  } else if (!named('content-length') && !named('transfer-encoding')) {
    headers.push(['Content-Length', String(body.length)]);
  }
  const head = `${request.method ?? 'POST'} ${request.path ?? '/'} ${request.httpVersion ?? 'HTTP/1.1'}\r\n` +
    headers.map(([key, value]) => `${key}: ${value}\r\n`).join('') + 'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

function parseResponse(whole: Buffer, head: boolean): { status: number; headers: Record<string, string>; body: Buffer; complete: boolean } {
  let data = whole;
  // Interim responses (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(data.subarray(0, 16).toString('latin1')) && data.indexOf('\r\n\r\n') >= 0) {
    data = data.subarray(data.indexOf('\r\n\r\n') + 4);
  }
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), complete: false };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = data.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  // Every response of this server carries Content-Length or ends with the connection (Connection: close).
  return { status, headers, body, complete: head || length === undefined ? true : body.length >= length };
}

/** Sends `request` to 127.0.0.1:port; resolves (never rejects) with what came back within `timeoutMs`. */
export function sendRaw(port: number, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const bytes = encodeRequest(request);
  const isHead = (request.method ?? 'POST') === 'HEAD' && !request.raw;
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(Buffer.concat(chunks), isHead);
      resolve({
        status: parsed.status,
        headers: parsed.headers,
        body: parsed.body,
        ms: performance.now() - started,
        incomplete: parsed.status === 0 || !parsed.complete,
        timedOut,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseResponse(Buffer.concat(chunks), isHead);
      if (parsed.status !== 0 && parsed.complete && parsed.headers['content-length'] !== undefined) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => {
      // A server may answer (413, 400) before the body is through, and then close: stop writing quietly.
      socket.write(bytes, () => undefined);
      if (request.endAfterWrite) socket.end();
    });
  });
}
