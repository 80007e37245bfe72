/** A worker process of the ordering test: consumes the ordering handlers' lanes until killed. */
import { runConsumerProcess } from '../support/consumer-process';
import { OrderingModule } from './ordering.handlers';

// A killed worker's job is recovered once its lock expires: keep that short for the test.
runConsumerProcess(OrderingModule, { worker: { lockDuration: 2_000, stalledInterval: 1_000 }, logger: ['error'] });
