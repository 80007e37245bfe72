import { DynamicModule, Module } from '@nestjs/common';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { EventBusModule, withEventBus } from 'nestjs-durable-bus';
import { EventBusDashboardModule } from 'nestjs-durable-bus/dashboard';
import { EventBusHealthIndicator } from 'nestjs-durable-bus/terminus';
import { TypeOrmOutboxStore } from 'nestjs-durable-bus/typeorm';
import { DataSource } from 'typeorm';
import { AuditEntry } from './audit/audit-entry.entity';
import { AuditModule } from './audit/audit.module';
import { FeedController } from './feed/feed.controller';
import { FinancesModule } from './finances/finances.module';
import { InvoiceRecord } from './finances/invoice.entity';
import { OrderRecord } from './orders/order.entity';
import { OrdersModule } from './orders/orders.module';
import { DemoConfig } from './platform/demo-config';
import { HealthController } from './platform/health.controller';

const BUS_ROLES = { all: 'both', api: 'publisher', worker: 'consumer' } as const;

/**
 * The demo: three bounded contexts (orders → finances → audit) that share only event classes, on Postgres (one
 * transaction per command, via @nestjs-cls/transactional) and the bus (outbox, lanes, broadcast feed, dashboard).
 * Without Redis (`config.redisUrl` undefined) the same app runs on the in-memory transport, without the dashboard.
 */
@Module({})
export class DemoModule {
  static forRoot(config: DemoConfig): DynamicModule {
    const http = config.role !== 'worker';
    // Without Redis the bus runs in this process (in-memory transport), and the dashboard has no queues to show.
    const redis = config.redisUrl !== undefined;
    return {
      module: DemoModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [OrderRecord, InvoiceRecord, AuditEntry],
          synchronize: false,
          poolSize: 20,
        }),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: http },
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: withEventBus(new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource })),
            }),
          ],
        }),
        EventBusModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            ...(redis ? { connection: config.redisUrl } : { transport: 'in-memory' as const }),
            prefix: config.prefix,
            role: BUS_ROLES[config.role],
            broadcast: 'all',
            // Commands publish inside their transaction: the jobs go to the outbox table in it, and a relay (in the
            // processes that serve HTTP) moves them to BullMQ after commit.
            outbox: { store: new TypeOrmOutboxStore(dataSource), relay: http },
          }),
        }),
        ...(http && redis
          ? [
              EventBusDashboardModule.forRoot({
                route: '/queues',
                auth: { username: config.dashboardUser, password: config.dashboardPassword },
              }),
            ]
          : []),
        ...(http ? [TerminusModule.forRoot({ logger: false })] : []),
        OrdersModule,
        FinancesModule,
        AuditModule,
      ],
      controllers: http ? [FeedController, HealthController] : [],
      providers: http ? [EventBusHealthIndicator] : [],
    };
  }
}
