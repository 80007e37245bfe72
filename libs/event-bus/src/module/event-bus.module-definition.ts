import { ConfigurableModuleAsyncOptions, ConfigurableModuleBuilder } from '@nestjs/common';
import { EventBusModuleOptions } from '../contracts/event-bus-options';

export const { ConfigurableModuleClass: ConfigurableEventBusModule, MODULE_OPTIONS_TOKEN: EVENT_BUS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<EventBusModuleOptions>({ moduleName: 'EventBus' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** What `EventBusModule.forRootAsync` takes: `useFactory` (with `inject` and `imports`), `useClass` or `useExisting`. */
export type EventBusModuleAsyncOptions = ConfigurableModuleAsyncOptions<EventBusModuleOptions> & {
  /** Register the module globally (default true), so every module can inject `EventBus`. */
  readonly isGlobal?: boolean;
};
