// The XML-RPC wire format as Robot Framework's `Remote` library (Python's `xmlrpc.client`) speaks it: the one
// place that adapts it to what Robot sends and accepts.
export { decodeMethodCall, DEFAULT_MAX_NESTING, type DecodeLimits, type MethodCall } from './decode';
export { diagnosticText, encodeFault, encodeResponse } from './encode';
export { isStruct, type WireValue } from './wire-value';
