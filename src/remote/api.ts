/**
 * The remote API's informational methods (`get_library_information` and the getters Robot falls back to),
 * answered from what `spec.ts` published at start-up. Their responses do not depend on the session, so they
 * are serialised once.
 */
import { encodeFault, encodeResponse, type WireValue } from './codec';
import { LibraryDefinitionError, ProtocolFault, XmlRpcEncodeError } from './errors';
import type { CompiledLibrary } from './spec';

/** XML-RPC fault codes; the fault string always says what was wrong. */
export const FaultCode = {
  malformedCall: 1,
  unknownMethod: 2,
  badParameters: 3,
  unknownKeyword: 4,
  badSession: 5,
  badRequest: 6,
  internalError: 7,
} as const;

/** The `<fault>` answering a call. */
export function faultXml(fault: ProtocolFault): string {
  return encodeFault(fault.code, fault.message);
}

export const INFO_METHODS = [
  'get_library_information',
  'get_keyword_names',
  'get_keyword_arguments',
  'get_keyword_types',
  'get_keyword_tags',
  'get_keyword_documentation',
] as const;
export const ALL_METHODS = [...INFO_METHODS, 'run_keyword', 'stop_remote_server', 'system.listMethods'];

type InfoEntry = { args?: WireValue; types?: WireValue; tags?: WireValue; doc?: WireValue };

export class InformationApi<I> {
  private readonly cache = new Map<string, string>();

  constructor(private readonly compiled: CompiledLibrary<I>) {
    // Built at start-up, so a doc XML cannot carry fails the start, not the first import.
    try {
      for (const method of ['get_library_information', 'get_keyword_names']) this.cached(method, () => this.whole(method));
    } catch (error) {
      if (!(error instanceof XmlRpcEncodeError)) throw error;
      throw new LibraryDefinitionError(compiled.library.name, [`its documentation cannot be sent: ${error.message}`]);
    }
  }

  /** True when `method` is answered here. */
  handles(method: string): boolean {
    return (INFO_METHODS as readonly string[]).includes(method) || method === 'system.listMethods';
  }

  /** The XML response; throws `ProtocolFault` for wrong parameters or unknown keywords. */
  respond(method: string, params: unknown[]): string {
    if (method === 'get_library_information' || method === 'get_keyword_names' || method === 'system.listMethods') {
      this.expectCount(method, params, 0);
      return this.cached(method, () => this.whole(method));
    }
    this.expectCount(method, params, 1);
    const name = params[0];
    if (typeof name !== 'string') {
      throw new ProtocolFault(FaultCode.badParameters, `${method} takes a keyword name (a string).`);
    }
    const entry = this.entry(name, method);
    switch (method) {
      case 'get_keyword_arguments':
        return encodeResponse(entry.args ?? []);
      case 'get_keyword_types':
        return encodeResponse(entry.types ?? {});
      case 'get_keyword_tags':
        return encodeResponse(entry.tags ?? []);
      default:
        return encodeResponse(entry.doc ?? '');
    }
  }

  private whole(method: string): WireValue {
    if (method === 'get_library_information') return this.compiled.information;
    if (method === 'system.listMethods') return ALL_METHODS;
    return Object.keys(this.compiled.information).filter((name) => !/^__.*__$/.test(name));
  }

  private entry(name: string, method: string): InfoEntry {
    if (!Object.prototype.hasOwnProperty.call(this.compiled.information, name)) {
      throw new ProtocolFault(
        FaultCode.unknownKeyword,
        `${method}: no keyword named '${name}' in remote library '${this.compiled.library.name}'.`,
      );
    }
    return this.compiled.information[name] as InfoEntry;
  }

  private expectCount(method: string, params: unknown[], count: number): void {
    if (params.length !== count) {
      throw new ProtocolFault(
        FaultCode.badParameters,
        `${method} takes ${count === 0 ? 'no parameters' : 'one parameter'}, got ${params.length}.`,
      );
    }
  }

  private cached(key: string, build: () => WireValue): string {
    let xml = this.cache.get(key);
    if (xml === undefined) {
      xml = encodeResponse(build());
      this.cache.set(key, xml);
    }
    return xml;
  }
}
