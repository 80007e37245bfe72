import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { EventBusHealthIndicator } from 'nestjs-durable-bus/terminus';

/**
 * `GET /health`: the bus's health (Redis answers, consumers run, the outbox relays), 200 when up, 503 with the
 * reason when not. Thresholds are the indicator's defaults but for the outbox age, kept short for a demo.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: EventBusHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.bus.isHealthy('eventBus', { maxOutboxAge: 30_000 })]);
  }
}
