// autocannon 8 ships no types: the part of its API that the load child (bench/load.ts) uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Called before each request is built; returns the request to send. */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request | null;
      /** Called with each answer (the whole body as a string). */
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
    }

    interface Options {
      url: string | string[];
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Requests per second over all connections (each connection gets its share). */
      overallRate?: number;
      ignoreCoordinatedOmission?: boolean;
      /** Milliseconds between samples; the end of `duration` is noticed at a sample. */
      sampleInt?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      requests?: Request[];
    }

    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(
    options: autocannon.Options,
    done: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
