// The dashboard: `nestjs-durable-bus/dashboard`, the only public door of this folder. It loads @bull-board/*
// (optional peer dependencies); the core entry point never does.
export { EventBusDashboardModule } from './event-bus-dashboard.module';
export { EVENT_BUS_DASHBOARD_OPTIONS, RESOLVED_DASHBOARD_OPTIONS } from './event-bus-dashboard.module-definition';
export type { EventBusDashboardAsyncOptions } from './event-bus-dashboard.module-definition';
export { resolveDashboardOptions } from './event-bus-dashboard-options';
export type { DashboardAuth, EventBusDashboardOptions, ResolvedDashboardOptions } from './event-bus-dashboard-options';
export { basicAuthMiddleware } from './dashboard-middleware';
export type { DashboardBasicAuth, DashboardMiddleware } from './dashboard-middleware';
export { LaneQueueAdapter } from './lane-queue.adapter';
export { laneGuard } from './lane-guard.middleware';
export * from './errors';
