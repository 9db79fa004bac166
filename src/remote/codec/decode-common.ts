/**
 * The common shape of a `<methodCall>`, read without an XML parser: exactly what Python's `xmlrpc.client`
 * (Robot's `Remote`) writes for strings, integers, booleans, doubles, arrays and structs. Every call pays
 * for decoding, and the general path (saxes driving the `xmlrpc` package's deserializer, `decode.ts`) was
 * the largest part of the server's own per-call CPU (docs/server.md, "Per-call cost").
 *
 * It accepts a strict subset of what the general path accepts and gives the same value for it; anything
 * else (attributes, CDATA, comments, character references, a `\r` between tags, surrogates, `<base64>`,
 * dates, nil, other whitespace or tag spellings, a nesting past the limit, a value the general path would
 * refuse) makes it return undefined, and the general path reads the document and words any error.
 * test/remote/codec-common.test.ts checks the two agree on Python's output and on mutations of it.
 */
import type { MethodCall } from './decode';
import { parseDouble, parseInteger, robotBoolean } from './decode-values';

/** Refused by the general path (`]]>`), or not worth the care here (surrogates: pairs are fine, lone ones not). */
const TEXT_NEEDS_GENERAL = /]]>|[\uD800-\uDFFF]/;
const ENTITY = /&(amp|lt|gt|quot|apos);|&/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// Robot's Remote passes encoding='UTF-8', and Python then names it; the body is text already (http.ts).
const DECLARATIONS = ["<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-8'?>", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>'];

/** Thrown inside the reader: not the common shape. */
const GENERAL = Symbol('use the general path');

class Reader {
  private at = 0;

  constructor(
    private readonly xml: string,
    private readonly maxNesting: number,
  ) {}

  methodCall(): MethodCall {
    const declaration = DECLARATIONS.find((candidate) => this.xml.startsWith(candidate));
    if (declaration) this.at = declaration.length;
    this.space();
    this.expect('<methodCall>');
    this.space();
    this.expect('<methodName>');
    const method = this.text('</methodName>');
    if (method === '') throw GENERAL;
    this.space();
    this.expect('<params>');
    const params: unknown[] = [];
    this.space();
    while (this.accept('<param>')) {
      this.space();
      params.push(this.value(0));
      this.space();
      this.expect('</param>');
      this.space();
    }
    this.expect('</params>');
    this.space();
    this.expect('</methodCall>');
    this.space();
    if (this.at !== this.xml.length) throw GENERAL;
    return { method, params };
  }

  private value(depth: number): unknown {
    this.expect('<value>');
    let value: unknown;
    if (this.accept('<string>')) value = this.text('</string>');
    else if (this.accept('<int>')) value = parseInteger(this.text('</int>'), 'int');
    else if (this.accept('<i4>')) value = parseInteger(this.text('</i4>'), 'int');
    else if (this.accept('<i8>')) value = parseInteger(this.text('</i8>'), 'i8');
    else if (this.accept('<boolean>')) value = robotBoolean(this.text('</boolean>'));
    else if (this.accept('<double>')) value = parseDouble(this.text('</double>'));
    else if (this.accept('<array>')) value = this.array(depth + 1);
    else if (this.accept('<struct>')) value = this.struct(depth + 1);
    else if (this.xml.charCodeAt(this.at) === 0x3c /* < */ && !this.xml.startsWith('</value>', this.at)) throw GENERAL;
    else return this.text('</value>');
    this.expect('</value>');
    return value;
  }

  private array(depth: number): unknown[] {
    if (depth > this.maxNesting) throw GENERAL;
    const items: unknown[] = [];
    this.space();
    this.expect('<data>');
    this.space();
    while (!this.accept('</data>')) {
      items.push(this.value(depth));
      this.space();
    }
    this.space();
    this.expect('</array>');
    return items;
  }

  private struct(depth: number): Record<string, unknown> {
    if (depth > this.maxNesting) throw GENERAL;
    const entries: [string, unknown][] = [];
    this.space();
    while (this.accept('<member>')) {
      this.space();
      this.expect('<name>');
      const key = this.text('</name>');
      this.space();
      entries.push([key, this.value(depth)]);
      this.space();
      this.expect('</member>');
      this.space();
    }
    this.expect('</struct>');
    // As the general path: own properties, so a member named `__proto__` stays data.
    return Object.fromEntries(entries);
  }

  /** Character data up to `end` (consumed), entities resolved; no markup in it. */
  private text(end: string): string {
    const stop = this.xml.indexOf(end, this.at);
    if (stop < 0) throw GENERAL;
    const raw = this.xml.slice(this.at, stop);
    if (raw.includes('<') || TEXT_NEEDS_GENERAL.test(raw)) throw GENERAL;
    this.at = stop + end.length;
    return raw.includes('&') ? raw.replace(ENTITY, (entity, name: string | undefined) => {
      if (name === undefined) throw GENERAL;
      return ENTITIES[name] ?? entity;
    }) : raw;
  }

  /** Whitespace between tags as Python writes it (a `\r` there is the general path's). */
  private space(): void {
    let code = this.xml.charCodeAt(this.at);
    while (code === 0x0a || code === 0x20 || code === 0x09) {
      this.at += 1;
      code = this.xml.charCodeAt(this.at);
    }
  }

  private accept(tag: string): boolean {
    if (!this.xml.startsWith(tag, this.at)) return false;
    this.at += tag.length;
    return true;
  }

  private expect(tag: string): void {
    if (!this.accept(tag)) throw GENERAL;
  }
}

/** The call when `xml` has the common shape, else undefined (read it with the general path). */
export function decodeCommonMethodCall(xml: string, maxNesting: number): MethodCall | undefined {
  try {
    return new Reader(xml, maxNesting).methodCall();
  } catch {
    // GENERAL, or a value the general path refuses with its own words.
    return undefined;
  }
}
