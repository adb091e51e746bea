// Traces, as the code sees them (ADR 021): spans around our own units of work (a Stripe call, a
// job run) and the trace ids a log line carries. Only the OpenTelemetry API is imported here:
// without a started SDK (no OTEL_EXPORTER_OTLP_ENDPOINT) its tracer is a no-op, a span costs a
// function call and no context is kept. The SDK itself is started by src/observability/ before
// the application's modules load.
import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

export { SpanKind };

const tracer = trace.getTracer('paydeck');

let stopSdk: (() => Promise<void>) | undefined;

/** Called by the SDK's starter (src/observability/sdk.ts) once spans are recorded and exported. */
export function markTracingStarted(stop: () => Promise<void>): void {
  stopSdk = stop;
}

/** Whether an OpenTelemetry SDK records spans in this process. */
export function tracingStarted(): boolean {
  return stopSdk !== undefined;
}

/**
 * Exports the spans still buffered and stops the SDK; a no-op without one. Called on a clean
 * stop, before process.exit, so the last requests' spans are not lost. Waits at most `ms`.
 */
export async function stopTracing(ms = 5000): Promise<void> {
  const stop = stopSdk;
  stopSdk = undefined;
  if (!stop) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stop().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Runs `fn` in a new span, the child of the active one. A throw marks the span failed (unless
 * `isFailure` says the error is an answer, e.g. a card decline) and is rethrown.
 */
export async function withSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; isFailure?: (err: unknown) => boolean },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: options.kind, ...(options.attributes ? { attributes: options.attributes } : {}) },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        if (options.isFailure?.(err) ?? true) markFailed(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks the active span failed by `err`, for work that handles its own errors within a span. */
export function failActiveSpan(err: unknown): void {
  const span = trace.getActiveSpan();
  if (span) markFailed(span, err);
}

function markFailed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The active span, when one is recording (never without an SDK). */
export function activeSpan(): Span | undefined {
  const span = trace.getSpan(context.active());
  return span?.isRecording() ? span : undefined;
}

/**
 * For every log line (pino's mixin, set only while tracing is on): the trace and span ids of the
 * active span, or nothing. A new object each time: pino merges the line's fields into it.
 */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const ids = trace.getActiveSpan()?.spanContext();
  return ids && isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** W3C Trace Context, version 00: version-traceid-parentid-flags (lower-case hex). */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * The trace id of an incoming `traceparent` header, or undefined when it is missing or invalid
 * (all-zero ids are invalid). Used when tracing is off, so that request logs still carry the
 * caller's trace id.
 */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return match[1];
}
