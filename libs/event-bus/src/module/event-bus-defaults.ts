import type { Type } from '@nestjs/common';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../codec/payload-size';
import type { EventTransport } from '../contracts/event-transport';
import type { HandlerInterceptor } from '../contracts/handler-interceptor';
import type { ValueType } from '../contracts/value-type';
import { TelemetryDefaults, type TelemetryOptions } from '../contracts/telemetry-options';
import type {
  BroadcastScope,
  EventBusRole,
  EventJobDefaults,
  EventWorkerOptions,
} from '../contracts/event-bus-options';

/** The documented defaults, as a class (`{ ...new EventBusModuleDefaults(), ...options }`). */
export class EventBusModuleDefaults {
  readonly transport: 'bullmq' | 'in-memory' | EventTransport = 'bullmq';
  readonly prefix: string = 'bus';
  readonly role: EventBusRole = 'both';
  readonly concurrency: number = 10;
  readonly lanes: number = 8;
  readonly shutdownTimeout: number = 10_000;
  readonly publishTimeout: number = 5_000;
  readonly maxPendingPublishes: number = 10_000;
  readonly maxChainDepth: number = 32;
  readonly interceptors: readonly (HandlerInterceptor | Type<HandlerInterceptor>)[] = [];
  readonly valueTypes: readonly ValueType[] = [];
  readonly maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES;
  readonly eventEmitterBridge: boolean = true;
  readonly logManifest: boolean = true;
  readonly broadcast: BroadcastScope = 'handled';
  readonly worker: EventWorkerOptions = {};
  readonly telemetry: Required<TelemetryOptions> = TelemetryDefaults;
  readonly defaultJobOptions: Required<EventJobDefaults> = {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 86_400 },
    removeOnFail: false,
  };
}
