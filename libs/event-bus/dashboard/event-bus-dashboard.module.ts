import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { chainMiddleware } from './dashboard-middleware';
import { DashboardQueuesRegistrar } from './dashboard-queues.registrar';
import { EventBusDashboardOptions, resolveDashboardOptions } from './event-bus-dashboard-options';
import { laneGuard } from './lane-guard.middleware';

/**
 * Bull Board for the bus: every async handler's queue and every partition lane, registered at bootstrap. Import it
 * next to `EventBusModule` in an app that serves HTTP (Express):
 *
 * ```ts
 * EventBusDashboardModule.forRoot({ route: '/queues', auth: { username: 'ops', password: process.env.BOARD_PASSWORD! } })
 * ```
 *
 * Auth is required: credentials, your own middleware, or an explicit `auth: false` for local development.
 */
@Module({})
export class EventBusDashboardModule {
  static forRoot(options: EventBusDashboardOptions): DynamicModule {
    const resolved = resolveDashboardOptions(options);
    if (resolved.open) {
      new Logger('EventBusDashboard').warn(
        `The dashboard at ${resolved.route} runs without auth (auth: false): anyone who can reach it can retry, ` +
          `remove and add jobs. Use it for local development only.`,
      );
    }
    return {
      module: EventBusDashboardModule,
      imports: [
        BullBoardModule.forRoot({
          route: resolved.route,
          // @bull-board/express 9.10.1 brings its own copy of @bull-board/api, whose adapter classes TypeScript
          // sees as different types; at run time the board only calls their public methods.
          adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
          middleware: chainMiddleware(resolved.middleware, laneGuard),
          boardOptions: { uiConfig: { boardTitle: resolved.title } },
        }),
      ],
      providers: [DashboardQueuesRegistrar],
    };
  }
}
