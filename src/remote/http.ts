/**
 * The HTTP side of the protocol: POST only, HTTP Basic auth checked before anything is read or run (401),
 * a request body limit (413), the URL path mapped to a session name, and a response that tolerates the
 * client having gone away (Robot's timeouts just close the socket).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { checkBasicAuth, type Credentials } from './auth';

/** What the server needs to know about one call. */
export interface IncomingCall {
  /** `''` for `/` and `/RPC2`; else the path without its leading and trailing `/`. */
  session: string;
  /** Set instead of `session` being meaningful when the path cannot name a session. */
  sessionProblem?: string;
  xml: string;
  /** Set when the body cannot be read as text (unsupported encoding); the call gets a Fault. */
  bodyProblem?: string;
  client: string;
  /** True once the client has closed the connection. */
  readonly clientGone: boolean;
  /**
   * Calls `listener` once when the client closes the connection before the response is out (at once when it
   * already has); returns how to stop watching. Only calls whose keyword looks at its signal watch.
   */
  onClientGone?(listener: () => void): () => void;
}

export interface CallResponse {
  xml: string;
  /** Runs once the response is out (or the client is gone): stopping the server after `stop_remote_server`. */
  after?: () => void;
}

export interface HttpOptions {
  credentials?: Credentials;
  /** The HTTP Basic realm a 401 names. */
  realm: string;
  maxBodyBytes: number;
  handle(call: IncomingCall): Promise<CallResponse>;
  /** Rejected requests (auth, size, method) and handler crashes, for the server log. */
  onRejected(reason: string, details: { client: string; status: number }): void;
  /**
   * Answers a non-POST request (browsers GET the docs page and the libdoc spec, `docs/endpoint.ts`) and returns
   * true, or returns false to reject it.
   */
  serveDocs?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

const SESSION_NAME = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const MAX_SESSION_NAME = 200;
const DRAIN_LIMIT_MS = 5000;

/** Paths seen lately and what they map to: a suite uses a handful, on every call. Emptied when full. */
const SESSION_PATHS = new Map<string, Readonly<{ session: string; problem?: string }>>();
const MAX_REMEMBERED_PATHS = 256;

/** Maps a request path to a session name, or explains why it cannot be one. */
export function sessionFromPath(url: string | undefined): Readonly<{ session: string; problem?: string }> {
  const key = url ?? '/';
  let mapped = SESSION_PATHS.get(key);
  if (mapped === undefined) {
    mapped = Object.freeze(mapSessionPath(url));
    if (SESSION_PATHS.size >= MAX_REMEMBERED_PATHS) SESSION_PATHS.clear();
    SESSION_PATHS.set(key, mapped);
  }
  return mapped;
}

function mapSessionPath(url: string | undefined): { session: string; problem?: string } {
  const path = (url ?? '/').split('?')[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return { session: '', problem: `Invalid session path '${path}': bad %-escape.` };
  }
  const name = decoded.replace(/^\/+/, '').replace(/\/+$/, '');
  if (name === '' || name === 'RPC2') return { session: '' };
  if (name.length > MAX_SESSION_NAME || !SESSION_NAME.test(name)) {
    return {
      session: '',
      problem:
        `Invalid session path '${path}': use / or /RPC2 for the default session, or /NAME with NAME made of ` +
        `letters, digits, '.', '_', '~', '-' (and '/' between parts), at most ${MAX_SESSION_NAME} characters.`,
    };
  }
  return { session: name };
}

function declaredEncoding(head: string): BufferEncoding | undefined | 'unsupported' {
  const match = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head);
  if (!match?.[1]) return 'utf8';
  const name = match[1].toLowerCase();
  if (name === 'utf-8' || name === 'utf8' || name === 'us-ascii' || name === 'ascii') return 'utf8';
  if (name === 'iso-8859-1' || name === 'latin-1' || name === 'latin1') return 'latin1';
  return 'unsupported';
}

/** What Python's `xmlrpc.client` writes first (UTF-8, no `encoding`): checked without making a string. */
const PYTHON_DECLARATION = Buffer.from("<?xml version='1.0'?>");

function startsWithPythonDeclaration(body: Buffer): boolean {
  const length = PYTHON_DECLARATION.length;
  return body.length >= length && body.compare(PYTHON_DECLARATION, 0, length, 0, length) === 0;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
  res.end(`${text}\n`);
}

/**
 * Answers a rejected request once its body has been read and discarded. Closing a connection that still has
 * unread request data makes the kernel reset it, and a client still sending (Python's http.client sends
 * the whole body before reading) then sees "connection reset" instead of our status. A body still coming
 * after DRAIN_LIMIT_MS is cut: answered and closed.
 */
function answerAfterDrain(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  let answered = false;
  const answer = (): void => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    plain(res, status, text, headers);
  };
  const timer = setTimeout(answer, DRAIN_LIMIT_MS);
  timer.unref();
  req.on('end', answer);
  req.on('close', () => clearTimeout(timer));
  if (req.readableEnded) answer();
  else req.resume();
}

/** The client closed the connection before its request body was complete: nobody is left to answer. */
const CLIENT_LEFT = 'client-left';

/**
 * Reads the request body. Its listeners are removed once it is read, so that the request, whose objects
 * can outlive the call until V8's next full collection, holds nothing of the call (see `ReceivedCall`).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | typeof CLIENT_LEFT> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'too-large' | typeof CLIENT_LEFT | Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      chunks = [];
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size));
    const onError = (error: Error): void => {
      // Node reports a connection closed mid-body as `aborted` (ECONNRESET): the client's doing, not a server bug.
      finish(req.readableAborted || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? CLIENT_LEFT : error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function decodeBody(body: Buffer, contentEncoding: string | undefined, limit: number): { xml: string; problem?: string } {
  let raw = body;
  const encoding = (contentEncoding ?? 'identity').toLowerCase();
  if (encoding === 'gzip') {
    try {
      raw = gunzipSync(body, { maxOutputLength: limit });
    } catch (error) {
      return { xml: '', problem: `The gzip request body cannot be decompressed within the size limit: ${(error as Error).message}` };
    }
  } else if (encoding !== 'identity') {
    return { xml: '', problem: `Unsupported Content-Encoding '${contentEncoding}'; send identity or gzip.` };
  }
  const charset = startsWithPythonDeclaration(raw) ? 'utf8' : declaredEncoding(raw.toString('latin1', 0, 200));
  if (charset === 'unsupported' || charset === undefined) {
    return { xml: '', problem: 'Unsupported XML encoding: send UTF-8 (or ISO-8859-1).' };
  }
  const xml = raw.toString(charset);
  return { xml: xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml };
}

/** The request listener for `http.createServer`. */
export function createRequestListener(options: HttpOptions): RequestListener {
  return (req, res) => {
    const client = req.socket.remoteAddress ?? 'unknown';
    req.on('error', () => undefined);
    res.on('error', () => undefined);

    if (options.credentials && !checkBasicAuth(req.headers.authorization, options.credentials)) {
      options.onRejected(req.headers.authorization ? 'wrong credentials' : 'missing credentials', { client, status: 401 });
      answerAfterDrain(req, res, 401, 'Authentication required: give http://USER:PASSWORD@host:port/ in the Remote import.', {
        'WWW-Authenticate': `Basic realm="${options.realm}", charset="UTF-8"`,
      });
      return;
    }
    // After the auth check: the docs are as private as the keywords.
    if (req.method !== 'POST' && options.serveDocs?.(req, res)) return;
    if (req.method !== 'POST') {
      options.onRejected(`method ${req.method ?? '?'}`, { client, status: 405 });
      answerAfterDrain(req, res, 405, 'This is a Robot Framework remote library server: POST XML-RPC calls to it.', { Allow: 'POST' });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > options.maxBodyBytes) {
      tooLarge(req, res, options, client);
      return;
    }
    void serve(req, res, options, client);
  };
}

function tooLarge(req: IncomingMessage, res: ServerResponse, options: HttpOptions, client: string): void {
  options.onRejected('request body too large', { client, status: 413 });
  answerAfterDrain(req, res, 413, `Request body larger than the server's limit of ${options.maxBodyBytes} bytes.`);
}

/**
 * A call as the handler sees it. A class, not an object literal with a `clientGone` getter: that getter is
 * a closure over `serve`'s scope, and with it every call's request objects outlived young-generation GCs
 * and were promoted, and the longer GC pauses that followed set the server's p99 latency (docs/server.md,
 * "Per-call cost").
 */
class ReceivedCall implements IncomingCall {
  sessionProblem?: string;
  bodyProblem?: string;

  constructor(
    readonly session: string,
    readonly xml: string,
    readonly client: string,
    private readonly response: ServerResponse,
  ) {}

  get clientGone(): boolean {
    return this.response.destroyed || this.response.socket === null || this.response.socket.destroyed;
  }

  onClientGone(listener: () => void): () => void {
    if (this.clientGone) {
      listener();
      return () => undefined;
    }
    const onClose = (): void => {
      if (!this.response.writableFinished) listener();
    };
    this.response.once('close', onClose);
    return () => this.response.off('close', onClose);
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, options: HttpOptions, client: string): Promise<void> {
  let response: CallResponse | undefined;
  try {
    const body = await readBody(req, options.maxBodyBytes);
    if (body === 'too-large') {
      tooLarge(req, res, options, client);
      return;
    }
    if (body === CLIENT_LEFT) {
      // 499: nginx's "client closed request"; nothing is sent.
      options.onRejected('client closed the connection before the request body was complete', { client, status: 499 });
      return;
    }
    const { xml, problem } = decodeBody(body, req.headers['content-encoding'], options.maxBodyBytes);
    const { session, problem: sessionProblem } = sessionFromPath(req.url);
    const call = new ReceivedCall(session, xml, client, res);
    if (sessionProblem) call.sessionProblem = sessionProblem;
    if (problem) call.bodyProblem = problem;
    response = await options.handle(call);
  } catch (error) {
    // Only a bug in this server gets here; answer rather than leave the client hanging.
    options.onRejected(`internal error: ${(error as Error).stack ?? String(error)}`, { client, status: 500 });
    plain(res, 500, 'Internal server error; see the server log.');
    return;
  }
  const after = response.after;
  if (res.destroyed) {
    after?.();
    return;
  }
  if (after) {
    // Only when there is something to run: the response would otherwise hold this closure (see readBody).
    let afterRan = false;
    const runAfter = (): void => {
      if (!afterRan) {
        afterRan = true;
        after();
      }
    };
    res.on('finish', runAfter);
    res.on('close', runAfter);
  }
  // Robot opens a new connection for every call and closes it after the answer. Closing it from this side
  // instead keeps the TIME_WAIT sockets here rather than on the client, whose port allocation slows down
  // badly under them (docs/server.md, "Per-call cost").
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(response.xml), Connection: 'close' });
  res.end(response.xml);
}
