// The testing kit: `nestjs-durable-bus/testing`, the only public door of this folder.
export { EventBusTestingModule } from './event-bus-testing.module';
export type { EventBusTestingOptions } from './event-bus-testing.module';
export { EventBusTestKit } from './event-bus-test-kit';
export type { EventSearch } from './event-bus-test-kit';
export { setupEventBusTesting } from './setup-event-bus-testing';
export { eventBusMatchers } from './event-bus-testing.matchers';
export type { EventBusTestingMode } from './testing-mode';
export type { PublishedEvent, RefusedEvent } from './published-event';
export type { EventMatch } from './event-match';
export type { HandlerSelector, RunEventOptions, RunEventOutcome, RunEventResult } from './handler-runner';
export type { DrainOptions } from './bus-drainer';
export { TestingTransport } from './testing.transport';
export { findDifference } from './value-difference';
export type { DifferenceOptions, ValueDifference } from './value-difference';
export * from './errors';
