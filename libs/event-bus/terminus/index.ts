// The health indicator: `nestjs-durable-bus/terminus`, the only public door of this folder. It loads
// @nestjs/terminus (an optional peer dependency); the core entry point never does.
export { EventBusHealthIndicator, resolveHealthOptions } from './event-bus-health.indicator';
export type { EventBusHealthDetails } from './event-bus-health.indicator';
export { EventBusHealthDefaults } from './event-bus-health-options';
export type { EventBusHealthOptions } from './event-bus-health-options';
