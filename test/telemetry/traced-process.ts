/**
 * A process of the tracing test with the OpenTelemetry SDK registered (in-memory exporter; every ended span is also
 * printed as a `span {json}` line): `ROLE=publisher` publishes one OrderPlaced and prints `published <event id>`;
 * `ROLE=consumer` runs the async and broadcast handlers until stopped.
 */
import 'reflect-metadata';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule } from 'nestjs-durable-bus';
import { OrderPlaced, TracedHandlersModule } from './traced.handlers';

/** The SDK's in-memory exporter, printing each span it receives for the test process to read. */
class PrintingExporter extends InMemorySpanExporter {
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const line = {
        name: span.name,
        kind: span.kind,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        attributes: span.attributes,
        status: span.status.code,
      };
      process.stdout.write(`span ${JSON.stringify(line)}\n`);
    }
    super.export(spans, done);
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new PrintingExporter())] }),
);

const role = process.env.ROLE === 'publisher' ? 'publisher' : 'consumer';

@Module({
  imports: [
    EventBusModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: process.env.BUS_PREFIX!,
      role,
      logManifest: false,
    }),
    TracedHandlersModule,
  ],
})
class TracedModule {}

async function main() {
  const app = await NestFactory.createApplicationContext(TracedModule, { logger: ['error'] });
  app.enableShutdownHooks();
  if (role === 'consumer') {
    process.stdout.write('worker ready\n');
    return;
  }
  const receipt = await app.get(EventBus).publish(new OrderPlaced('o-1'));
  process.stdout.write(`published ${receipt.eventId}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
