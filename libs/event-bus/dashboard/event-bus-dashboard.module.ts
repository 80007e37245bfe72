import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { chainMiddleware } from './basic-auth.middleware';
import { DashboardQueuesRegistrar } from './dashboard-queues.registrar';
import {
  EventBusDashboardOptions,
  ResolvedDashboardOptions,
  resolveDashboardOptions,
} from './event-bus-dashboard-options';
import {
  EventBusDashboardAsyncOptions,
  EventBusDashboardOptionsModule,
  RESOLVED_DASHBOARD_OPTIONS,
  warnIfOpen,
} from './event-bus-dashboard.module-definition';
import { laneGuard } from './lane-guard.middleware';

/**
 * Bull Board for the bus: every async handler's queue and every partition lane, registered at bootstrap. Import it
 * next to `EventBusModule` in an app that serves HTTP (Express):
 *
 * ```ts
 * EventBusDashboardModule.forRoot({ route: '/queues', auth: { username: 'ops', password: process.env.BOARD_PASSWORD! } })
 * EventBusDashboardModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ auth: { username: 'ops', password: config.getOrThrow('BOARD_PASSWORD') } }),
 * })
 * ```
 *
 * Auth is required: credentials, your own middleware, or an explicit `auth: false` for local development.
 */
@Module({})
export class EventBusDashboardModule {
  /** Mounts the board with these options (checked now: a bad option throws an `EventBusConfigError` here). */
  static forRoot(options: EventBusDashboardOptions): DynamicModule {
    const resolved = warnIfOpen(resolveDashboardOptions(options));
    return {
      module: EventBusDashboardModule,
      imports: [BullBoardModule.forRoot(boardOptionsOf(resolved))],
      providers: [DashboardQueuesRegistrar],
    };
  }

  /**
   * Mounts the board with options a factory makes (`useFactory` + `inject` + `imports`, `useClass` or
   * `useExisting`, as `EventBusModule.forRootAsync`), say from a `ConfigService`. They are checked when the factory
   * has run, at app init, with the same `EventBusConfigError`s as `forRoot`.
   */
  static forRootAsync(options: EventBusDashboardAsyncOptions): DynamicModule {
    const optionsModule = EventBusDashboardOptionsModule.forRootAsync(options);
    return {
      module: EventBusDashboardModule,
      imports: [
        optionsModule,
        BullBoardModule.forRootAsync({
          imports: [optionsModule],
          inject: [RESOLVED_DASHBOARD_OPTIONS],
          useFactory: boardOptionsOf,
        }),
      ],
      providers: [DashboardQueuesRegistrar],
    };
  }
}

function boardOptionsOf(resolved: ResolvedDashboardOptions): BullBoardModuleOptions {
  return {
    route: resolved.route,
    // @bull-board/express 9.10.1 brings its own copy of @bull-board/api, whose adapter classes TypeScript
    // sees as different types; at run time the board only calls their public methods.
    adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
    middleware: chainMiddleware(resolved.middleware, laneGuard),
    boardOptions: { uiConfig: { boardTitle: resolved.title } },
  };
}
