import { Injectable, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';

/** The event of scenario 4: keyed by account. */
@BusEvent('bench.account-posted', { partitionKey: 'accountId' })
export class BenchAccountPosted {
  constructor(
    readonly accountId: string,
    readonly seq: number,
    readonly amount: number,
  ) {}
}

export const doneCounter = (prefix: string) => `${prefix}:bench:done`;

/** Counts handled jobs in Redis (the bench process reads the counter); otherwise a no-op. */
abstract class Counting {
  private readonly redis = new Redis(process.env.REDIS_URL!);

  protected async count(): Promise<void> {
    await this.redis.incr(doneCounter(process.env.BUS_PREFIX!));
  }

  async onApplicationShutdown() {
    await this.redis.quit();
  }
}

@Injectable()
export class PartitionedHandler extends Counting {
  @OnEventAsync(BenchAccountPosted, { id: 'bench.post', lanes: 16 })
  post() {
    return this.count();
  }
}

@Injectable()
export class UnpartitionedHandler extends Counting {
  @OnEventAsync(BenchAccountPosted, { id: 'bench.post', partitionBy: false })
  post() {
    return this.count();
  }
}

@Module({ providers: [PartitionedHandler] })
export class PartitionedModule {}

@Module({ providers: [UnpartitionedHandler] })
export class UnpartitionedModule {}
