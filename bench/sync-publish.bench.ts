/**
 * Scenario 1: `EventBus.publish` of an event with one sync `@OnEvent` handler vs @nestjs/event-emitter's
 * `emitAsync` with one `@OnEvent` listener, each in a real Nest application context, one awaited call at a time.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule, OnEvent as OnEmitterEvent } from '@nestjs/event-emitter';
import { BusEvent, EventBus, EventBusModule, OnEvent } from 'nestjs-durable-bus';
import { Contender, interleave, rate } from './support/measure';
import { Scenario } from './support/scenario';

@BusEvent('bench.stock-reserved')
class StockReserved {
  constructor(
    readonly sku: string,
    readonly quantity: number,
  ) {}
}

@Injectable()
class BusListener {
  handled = 0;

  @OnEvent(StockReserved)
  reserve(event: StockReserved) {
    this.handled += event.quantity;
  }
}

@Injectable()
class EmitterListener {
  handled = 0;

  @OnEmitterEvent('bench.stock-reserved')
  reserve(event: StockReserved) {
    this.handled += event.quantity;
  }
}

// The bus app has no EventEmitterModule (so nothing is bridged); sync-only events never reach the transport.
@Module({
  imports: [EventBusModule.forRoot({ transport: 'in-memory', logManifest: false })],
  providers: [BusListener],
})
class BusApp {}

@Module({ imports: [EventEmitterModule.forRoot()], providers: [EmitterListener] })
class EmitterApp {}

export const syncPublish: Scenario = async ({ quick, rounds }) => {
  const events = quick ? 50_000 : 200_000;
  const busApp = await NestFactory.createApplicationContext(BusApp, { logger: ['error', 'warn'] });
  const emitterApp = await NestFactory.createApplicationContext(EmitterApp, { logger: ['error', 'warn'] });
  await busApp.init();
  await emitterApp.init();
  const bus = busApp.get(EventBus);
  const emitter = emitterApp.get(EventEmitter2);
  const contenders: Contender[] = [
    {
      label: 'EventBus.publish',
      sample: () =>
        rate(events, async () => {
          for (let i = 0; i < events; i++) await bus.publish(new StockReserved(`sku-${i}`, 1));
        }),
    },
    {
      label: 'EventEmitter2.emitAsync',
      sample: () =>
        rate(events, async () => {
          for (let i = 0; i < events; i++)
            await emitter.emitAsync('bench.stock-reserved', new StockReserved(`sku-${i}`, 1));
        }),
    },
  ];
  const samples = await interleave(contenders, rounds);
  const handled = [busApp.get(BusListener).handled, emitterApp.get(EmitterListener).handled];
  await busApp.close();
  await emitterApp.close();
  if (handled[0] !== handled[1]) throw new Error(`scenario 1: handlers ran ${handled[0]} vs ${handled[1]} times`);
  return [
    {
      id: '1',
      scenario: 'sync publish, 1 sync handler',
      ours: 'publish',
      peer: '@nestjs/event-emitter emitAsync',
      unit: 'events/s',
      samples,
      goal: { op: '>=', value: 1 },
      note: `${events.toLocaleString('en-US')} awaited calls per sample, one caller`,
    },
  ];
};
