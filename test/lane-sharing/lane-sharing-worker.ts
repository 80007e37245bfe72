/** A consuming process of the lane-sharing test (and bench): runs the partitioned handler until stopped. */
import { runConsumerProcess } from '../support/consumer-process';
import { SharingModule } from './lane-sharing.handlers';

runConsumerProcess(SharingModule, {
  worker: {
    lockDuration: Number(process.env.LOCK_MS ?? 2_000),
    stalledInterval: Number(process.env.STALLED_MS ?? 30_000),
  },
});
