import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type { Config } from '../config.ts';

/** The OTLP/HTTP traces URL of an endpoint: `<endpoint>/v1/traces`, as the spec says. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * OpenTelemetry tracing for one app, when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans are
 * batched and posted as OTLP/HTTP JSON to `<endpoint>/v1/traces`, with the resource
 * `service.name` = OTEL_SERVICE_NAME. Nothing is registered globally (no global tracer
 * provider, context manager or propagator), so several apps in one process each trace on
 * their own; the request's context travels to the storage calls it makes in this
 * tracing's own AsyncLocalStorage.
 */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: NodeTracerProvider;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly current = new AsyncLocalStorage<Context>();

  constructor(endpoint: string, serviceName: string) {
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }))],
    });
    this.tracer = this.provider.getTracer('@cart/server');
  }

  /** The context a request continues: its W3C `traceparent`/`tracestate`, if valid. */
  extract(headers: Record<string, string | string[] | undefined>): Context {
    return this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  }

  /** Runs `fn` with `context` as the current one (for the storage spans it causes). */
  run<T>(context: Context, fn: () => T): T {
    return this.current.run(context, fn);
  }

  /** A CLIENT span for one storage operation, a child of the current request's span. */
  startDbSpan(operation: string, system: string): Span {
    return this.tracer.startSpan(
      `storage.${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation },
      },
      this.current.getStore() ?? ROOT_CONTEXT,
    );
  }

  endDbSpan(span: Span, error?: unknown): void {
    if (error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'error');
    }
    span.end();
  }

  /** The context of a span, for its children. */
  contextWith(parent: Context, span: Span): Context {
    return trace.setSpan(parent, span);
  }

  /**
   * Exports what is still buffered, then stops — waiting at most `timeoutMs`, so that a
   * collector that does not answer cannot hold up the server's shutdown.
   */
  async shutdown(timeoutMs = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((done) => {
      timer = setTimeout(done, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([this.provider.shutdown().catch(() => undefined), waited]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set; null (and nothing set up) otherwise. */
export function startTracing(config: Config): Tracing | null {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined) return null;
  return new Tracing(config.OTEL_EXPORTER_OTLP_ENDPOINT, config.OTEL_SERVICE_NAME);
}
