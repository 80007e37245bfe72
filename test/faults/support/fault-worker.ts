/**
 * A worker process of the fault suite: consumes the fault handlers (plain and partitioned) on REDIS_URL under
 * BUS_PREFIX, with the worker options in FAULT_WORKER (JSON), until stopped or killed.
 */
import { EventWorkerOptions } from 'nestjs-durable-bus';
import { runConsumerProcess } from '../../support/consumer-process';
import { FaultHandlersModule } from './fault.handlers';

runConsumerProcess(FaultHandlersModule, {
  worker: JSON.parse(process.env.FAULT_WORKER ?? '{}') as EventWorkerOptions,
  ready: `worker ready pid=${process.pid}`,
});
