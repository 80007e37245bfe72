import { ConfigurableModuleAsyncOptions, ConfigurableModuleBuilder, Logger, Module, Provider } from '@nestjs/common';
import {
  EventBusDashboardOptions,
  ResolvedDashboardOptions,
  resolveDashboardOptions,
} from './event-bus-dashboard-options';

/** The dashboard's options after defaults and checks (what `forRootAsync`'s factory gave, resolved). */
export const RESOLVED_DASHBOARD_OPTIONS = Symbol.for('nestjs-durable-bus:resolved-dashboard-options');

export const {
  ConfigurableModuleClass: ConfigurableDashboardOptionsModule,
  MODULE_OPTIONS_TOKEN: EVENT_BUS_DASHBOARD_OPTIONS,
} = new ConfigurableModuleBuilder<EventBusDashboardOptions>({ moduleName: 'EventBusDashboard' })
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({
    ...definition,
    providers: [...(definition.providers ?? []), resolvedOptionsProvider()],
    exports: [RESOLVED_DASHBOARD_OPTIONS],
  }))
  .build();

/** Options of `EventBusDashboardModule.forRootAsync`: `useFactory` + `inject` + `imports`, `useClass` or `useExisting`. */
export type EventBusDashboardAsyncOptions = ConfigurableModuleAsyncOptions<EventBusDashboardOptions>;

/**
 * Holds the dashboard's options for `forRootAsync`: made by the factory, checked, and exported to the Bull Board
 * root module, which needs them to mount the board.
 */
@Module({})
export class EventBusDashboardOptionsModule extends ConfigurableDashboardOptionsModule {}

function resolvedOptionsProvider(): Provider {
  return {
    provide: RESOLVED_DASHBOARD_OPTIONS,
    inject: [EVENT_BUS_DASHBOARD_OPTIONS],
    useFactory: (options: EventBusDashboardOptions) =>
      warnIfOpen(resolveDashboardOptions(options, 'EventBusDashboardModule.forRootAsync')),
  };
}

/** Warns, once per mount, that a dashboard without auth is for local development only. */
export function warnIfOpen(resolved: ResolvedDashboardOptions): ResolvedDashboardOptions {
  if (resolved.open) {
    new Logger('EventBusDashboard').warn(
      `The dashboard at ${resolved.route} runs without auth (auth: false): anyone who can reach it can retry, ` +
        `remove and add jobs. Use it for local development only.`,
    );
  }
  return resolved;
}
