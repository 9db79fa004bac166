/**
 * The server's browser-facing side: `GET /` answers with the keyword documentation page (with the live
 * sessions), `GET /spec.json` with the libdoc JSON spec. Everything else is left to the XML-RPC handler.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { renderDocsPageFromSpec, type DocsSession } from './html-page';
import { STOP_KEYWORD, STOP_KEYWORD_DOC } from '../spec';
import { buildLibdocSpec, type DocumentedKeyword, type DocumentedLibrary, type LibdocSpec } from './libdoc-spec';

export interface DocsEndpointOptions {
  /** The sessions in use now; called on every page request. */
  sessions(): DocsSession[];
  /** Default: name and version from the package.json this code ships in. */
  serverName?: string;
  serverVersion?: string;
  /**
   * Keywords the server publishes besides the library's, documented like them so the page and spec match
   * what libdoc and Robot see. Default: the protocol's `stop_remote_server`, which the server always publishes.
   */
  protocolKeywords?: readonly DocumentedKeyword[];
}

/** Keywords the remote server publishes for every library. */
export const PROTOCOL_KEYWORDS: readonly DocumentedKeyword[] = [{ name: STOP_KEYWORD, parameters: [], doc: STOP_KEYWORD_DOC }];

/** The library as Robot sees it through the server: its keywords plus the protocol's. */
export function publishedLibrary(library: DocumentedLibrary, protocolKeywords = PROTOCOL_KEYWORDS): DocumentedLibrary {
  return { ...library, keywords: [...library.keywords, ...protocolKeywords] };
}

/** Returns true when it answered the request; false leaves it to the caller (anything but GET/HEAD / and /spec.json). */
export type DocsRequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export const DOCS_PAGE_PATH = '/';
export const SPEC_PATH = '/spec.json';

// The page is self-contained: forbid everything else, so docs text can never pull in or post anything.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data: http: https:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Name and version of the package containing this module (the serving program), if found. */
export function packageIdentity(from: string = __dirname): { name?: string; version?: string } {
  for (let directory = from; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
        return {
          ...(typeof parsed.name === 'string' ? { name: parsed.name } : {}),
          ...(typeof parsed.version === 'string' ? { version: parsed.version } : {}),
        };
      } catch {
        return {};
      }
    }
    if (dirname(directory) === directory) return {};
  }
}

/**
 * Creates the handler for the documentation endpoints of `library`. The spec is built once (definitions do
 * not change while serving); the page is rendered per request for the live sessions.
 */
export function createDocsHandler(library: DocumentedLibrary, options: DocsEndpointOptions): DocsRequestHandler {
  const identity = packageIdentity();
  const serverName = options.serverName ?? identity.name;
  const serverVersion = options.serverVersion ?? identity.version;
  let spec: LibdocSpec | undefined;
  let specJson: string | undefined;
  const currentSpec = (): LibdocSpec => (spec ??= buildLibdocSpec(publishedLibrary(library, options.protocolKeywords)));

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== DOCS_PAGE_PATH && path !== SPEC_PATH) return false;
    let body: string;
    let type: string;
    try {
      ({ body, type } = render(path, req));
    } catch (error) {
      // A library whose definitions cannot be documented must not take the server down with it.
      const message = `Cannot document library '${library.name}': ${(error as Error).message}\n`;
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(message) });
      res.end(req.method === 'HEAD' ? undefined : message);
      req.resume();
      return true;
    }
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    // GET requests have no body worth reading; let the connection finish cleanly.
    req.resume();
    return true;
  };

  function render(path: string, req: IncomingMessage): { body: string; type: string } {
    if (path === DOCS_PAGE_PATH) {
      const host = req.headers.host;
      const page = renderDocsPageFromSpec(currentSpec(), {
        sessions: options.sessions(),
        specUrl: SPEC_PATH.slice(1),
        ...(serverName ? { serverName } : {}),
        ...(serverVersion ? { serverVersion } : {}),
        ...(host ? { serverUrl: `http://${host}` } : {}),
      });
      return { body: page, type: 'text/html; charset=utf-8' };
    }
    specJson ??= JSON.stringify(currentSpec(), null, 2);
    return { body: specJson, type: 'application/json; charset=utf-8' };
  }
}
