/**
 * An OpenTelemetry SDK as an application would install it, for the bench
 * server that measures the cost of the library's instrumentation: every
 * metric aggregated and exported every five seconds, every span recorded and
 * handed to a batching processor. The exporters discard what they receive,
 * so that only the instrumentation is measured, not a network.
 */
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';

const SUCCESS = { code: 0 } as const;

const discardMetrics: PushMetricExporter = {
  export: (_metrics, done) => done(SUCCESS),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

const discardSpans: SpanExporter = {
  export: (_spans, done) => done(SUCCESS),
  shutdown: async () => undefined,
};

/** Installs the SDK globally; call before the application is created. */
export function installTelemetrySdk(): void {
  metrics.setGlobalMeterProvider(new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: discardMetrics, exportIntervalMillis: 5_000 })],
  }));
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discardSpans)] }));
}
