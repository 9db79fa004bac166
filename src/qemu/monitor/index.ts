/** QMP and guest-agent clients over any Duplex stream; see each module for the details. */
export * from './errors';
export * from './interfaces';
export { JsonLineDecoder, encodeJsonLine, DEFAULT_MAX_LINE_BYTES } from './json-lines';
export type { DecodedLine, JsonLineProblemKind, JsonObject, JsonValue } from './json-lines';
export type { DuplexSource, MonitorLogger } from './json-channel';
export * from './qmp-client';
export * from './qga-client';
export * from './event-buffer';
