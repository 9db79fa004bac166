/** Reply shapes QMP and QGA share (both run QEMU's QMP dispatcher). */
import { isJsonObject, type JsonObject } from './json-lines';

export interface CommandErrorBody {
  errorClass: string;
  desc: string;
}

/** The `{"error": {"class": ..., "desc": ...}}` of a reply, or undefined when the reply is not an error. */
export function parseCommandError(reply: JsonObject): CommandErrorBody | undefined {
  const error = reply.error;
  if (!isJsonObject(error)) return undefined;
  return {
    errorClass: typeof error.class === 'string' ? error.class : 'UnknownErrorClass',
    desc: typeof error.desc === 'string' ? error.desc : JSON.stringify(error),
  };
}
