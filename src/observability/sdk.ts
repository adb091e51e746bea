// Starts OpenTelemetry's Node.js SDK (ADR 021): spans for incoming and outgoing HTTP (so for
// every Stripe call the SDK makes) and for PostgreSQL queries, exported over OTLP to the endpoint
// the standard OTEL_* variables name. Loaded only by preload.ts, and only when tracing is on:
// with it off, none of these packages is even imported.
import type { IncomingMessage, RequestOptions } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { TracingSettings } from '../config.ts';
import { markTracingStarted } from '../lib/tracing.ts';

/** Probes and scrapes: frequent, and nothing to learn from their spans. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0]!;

/**
 * Query strings can carry search terms (emails, names; Stripe's customer search): a span keeps
 * the path only, as the request log does (src/lib/logger.ts).
 */
function withoutQuery(options: RequestOptions): Record<string, string> {
  if (!options.path?.includes('?')) return {};
  const protocol = options.protocol ?? 'http:';
  const host = options.hostname ?? options.host ?? 'localhost';
  const port = options.port ? `:${options.port}` : '';
  return { 'url.full': `${protocol}//${host}${port}${pathOf(options.path)}` };
}

type Instrumentations = [HttpInstrumentation, PgInstrumentation];

/** The instrumentations, made (and so enabled) before the modules they patch load. */
export function createInstrumentations(): Instrumentations {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) =>
        UNTRACED_PATHS.has(pathOf(request.url)),
      startIncomingSpanHook: (request: IncomingMessage) =>
        request.url?.includes('?') ? { 'url.query': 'redacted' } : {},
      startOutgoingSpanHook: withoutQuery,
    }),
    // Only queries made within a traced request or job: pg-boss polls every second, and a
    // root span per poll would drown the traces that matter. Statements carry $n placeholders,
    // never values (no enhancedDatabaseReporting).
    new PgInstrumentation({ requireParentSpan: true }),
  ];
}

/** The modules the instrumentations patch (`pg`, `pg-pool`, `http`, `https`): the loader hook's list. */
export function instrumentedModules(instrumentations: Instrumentations): string[] {
  const names = instrumentations.flatMap((i) => i.getModuleDefinitions().map((d) => d.name));
  return [...new Set(names)];
}

export function startTracing(settings: TracingSettings, instrumentations: Instrumentations): void {
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    instrumentations,
    // Prometheus has the metrics (GET /metrics) and pino the logs: traces only.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingStarted(() => sdk.shutdown());
}
