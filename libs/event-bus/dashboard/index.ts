// The dashboard: `nestjs-durable-bus/dashboard`, the only public door of this folder. It loads @bull-board/*
// (optional peer dependencies); the core entry point never does.
export { EventBusDashboardModule } from './event-bus-dashboard.module';
export type { EventBusDashboardAsyncOptions } from './event-bus-dashboard.module-definition';
export type { DashboardAuth, EventBusDashboardOptions } from './event-bus-dashboard-options';
export { basicAuthMiddleware } from './basic-auth.middleware';
export type { DashboardBasicAuth, DashboardMiddleware } from './basic-auth.middleware';
export { LaneQueueAdapter } from './lane-queue.adapter';
export { laneGuard } from './lane-guard.middleware';
export * from './errors';
