// The BullMQ transport class: `nestjs-durable-bus/bullmq`, for code that builds or inspects one itself (the module
// makes it from `connection` on its own). It loads bullmq and ioredis; the core entry point never does, so an app on
// `transport: 'in-memory'` needs neither installed.
export { BullMqTransport } from '../src/transport/bullmq/bullmq.transport';
export type { BullMqTransportOptions } from '../src/transport/bullmq/bullmq.transport';
