// Types for the parts of the `xmlrpc` package that `codec.ts` builds on. @types/xmlrpc only covers its client
// and server, which we do not use: Robot's protocol needs per-path sessions, auth and limits they lack.

declare module 'xmlrpc/lib/date_formatter' {
  const dateFormatter: {
    decodeIso8601(text: string): Date;
    encodeIso8601(date: Date): string;
  };
  export = dateFormatter;
}

declare module 'xmlrpc/lib/deserializer' {
  /** A sax stream as the deserializer uses it (the package's own `sax` dependency). */
  interface SaxStream {
    on(event: string, handler: (...args: never[]) => void): this;
    end(text?: string): boolean;
  }
  interface SaxNode {
    name: string;
  }
  interface StreamLike {
    setEncoding(encoding: string): void;
    on(event: string, handler: (...args: never[]) => void): void;
    pipe(destination: SaxStream): void;
  }
  class Deserializer {
    constructor(encoding?: string);
    parser: SaxStream;
    stack: unknown[];
    marks: number[];
    data: string[];
    value: boolean;
    type: string | null;
    error: Error | null;
    deserializeMethodCall(
      stream: StreamLike,
      callback: (error: Error | null | undefined, method?: string, params?: unknown[]) => void,
    ): void;
    onOpentag(node: SaxNode): void;
    onClosetag(name: string): void;
    onText(text: string): void;
    onCDATA(text: string): void;
    onDone(): void;
    onError(message: string | Error): void;
    push(value: unknown): void;
    endBoolean(data: string): void;
    endInt(data: string): void;
    endI8(data: string): void;
    endDouble(data: string): void;
    endString(data: string): void;
    endStruct(data: string): void;
    endBase64(data: string): void;
    endDateTime(data: string): void;
    endNil(data: string): void;
  }
  export = Deserializer;
}
