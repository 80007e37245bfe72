import type { ModuleMetadata } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import type { EventBusModuleOptions } from '../src/contracts/event-bus-options';
import { EventBusModule } from '../src/module/event-bus.module';
import { EVENT_BUS_MODULE_OPTIONS } from '../src/module/event-bus.module-definition';
import { resolveEventBusOptions } from '../src/module/resolve-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../src/contracts/tokens';
import { EVENT_TRANSPORT } from '../src/contracts/event-transport';
import { EventBusTestKit } from './event-bus-test-kit';
import type { EventBusTestingMode } from './testing-mode';
import { isInsideTest } from './open-kits';
import { TestingTransport } from './testing.transport';

/** Options of {@link EventBusTestingModule.create}. */
export interface EventBusTestingOptions extends Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> {
  /** The mode to start in. Default `'default'`. */
  readonly mode?: EventBusTestingMode;
  /**
   * `'kit'` (default): the kit's transport replaces the app's (jobs are recorded, or run inline; nothing touches
   * Redis). `'app'`: the app keeps its configured transport (BullMQ or in-memory); events are still recorded and
   * checked, and `kit.drain()` waits for the real workers. Inline mode needs `'kit'`.
   */
  readonly transport?: 'kit' | 'app';
  /**
   * Options of the `EventBusModule` the kit adds when `imports` do not import one already (default: no manifest
   * log). When your modules import `EventBusModule.forRoot(...)`, that one is used and this must be left out.
   */
  readonly bus?: EventBusModuleOptions;
  /**
   * Options laid over the bus's own (those of the `forRoot`/`forRootAsync` your imported modules make, or of
   * {@link bus}), for the app's module run as it is in production but on the test's own terms:
   * `{ prefix: uniquePrefix }` gives the test its own queues (and `kit.drain()` waits on those), `{ role }`,
   * `{ logManifest: false }`, … The transport stays the kit's unless `transport: 'app'`.
   */
  readonly busOverrides?: Partial<EventBusModuleOptions>;
  /** Last changes to the testing module before it compiles (`overrideProvider`, …). */
  readonly configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

type Imports = NonNullable<ModuleMetadata['imports']>;

/**
 * Entry point of the testing kit: one call gives an initialised Nest testing module whose bus records what is
 * published.
 *
 * ```ts
 * setupEventBusTesting(); // once per file: teardown checks + jest matchers
 *
 * const kit = await EventBusTestingModule.create({ imports: [OrdersModule, FinancesModule], mode: 'strict' });
 * await kit.get(OrdersService).place('o-1');
 * kit.expectPublished(OrderPlaced, { orderId: 'o-1' });
 * ```
 */
export class EventBusTestingModule {
  /** Builds, compiles and initialises the testing module, and returns its kit. */
  static async create(options: EventBusTestingOptions = {}): Promise<EventBusTestKit> {
    const transport = options.transport === 'app' ? undefined : new TestingTransport();
    const imports: Imports = [...(options.imports ?? [])];
    if (!importsEventBus(imports)) {
      imports.unshift(
        EventBusModule.forRoot({ logManifest: false, ...options.bus, ...(transport ? { transport } : {}) }),
      );
    } else if (options.bus) {
      throw new EventBusConfigError(
        'EventBusTestingModule.create: `bus` options were given, but the imported modules already import ' +
          'EventBusModule. Configure the bus there, or leave `bus` out; to change options of that module for the ' +
          'test (a queue prefix of its own, say), give them as `busOverrides`.',
      );
    }
    let builder = Test.createTestingModule({
      imports,
      providers: options.providers ?? [],
      controllers: options.controllers ?? [],
    });
    if (transport) builder = builder.overrideProvider(EVENT_TRANSPORT).useValue(transport);
    const overrides = options.busOverrides;
    if (overrides) {
      builder = builder.overrideProvider(RESOLVED_EVENT_BUS_OPTIONS).useFactory({
        factory: (own: EventBusModuleOptions) => resolveEventBusOptions({ ...own, ...overrides }),
        inject: [EVENT_BUS_MODULE_OPTIONS],
      });
    }
    if (options.configure) builder = options.configure(builder);
    const app = await builder.compile();
    // Observing before init: events published by onModuleInit/onApplicationBootstrap hooks are recorded too.
    const kit = new EventBusTestKit(app, transport, options.mode ?? 'default', isInsideTest());
    try {
      await app.init();
    } catch (error) {
      await kit.close().catch(() => undefined);
      throw error;
    }
    return kit;
  }
}

/** Whether the imports (followed through modules' own imports) already bring the bus. */
function importsEventBus(imports: readonly unknown[], seen = new Set<unknown>()): boolean {
  return imports.some((item) => {
    if (!item || seen.has(item)) return false;
    seen.add(item);
    if (typeof item === 'function') {
      if (item === EventBusModule || item.prototype instanceof EventBusModule) return true;
      return importsEventBus((Reflect.getMetadata('imports', item) as unknown[] | undefined) ?? [], seen);
    }
    if (typeof item !== 'object') return false;
    const dynamic = item as { module?: unknown; imports?: unknown[]; forwardRef?: () => unknown };
    if (typeof dynamic.forwardRef === 'function') return importsEventBus([dynamic.forwardRef()], seen);
    if (dynamic.module) return importsEventBus([dynamic.module, ...(dynamic.imports ?? [])], seen);
    return false;
  });
}
