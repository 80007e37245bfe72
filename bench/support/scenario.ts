import { Row } from './report';

/** Sizes of one run: `--quick` (under 2 minutes) or full (under 15). */
export interface BenchSettings {
  readonly quick: boolean;
  readonly rounds: number;
  readonly redisUrl: string;
}

/** One file per scenario: each exports a function that measures and returns its table rows. */
export type Scenario = (settings: BenchSettings) => Promise<Row[]>;
