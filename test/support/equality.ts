import { expect } from '@jest/globals';
import { Decimal } from '../fixtures/decimal';

/** Decimals keep their value in private fields, which Jest's equality cannot see: compare them by value. */
expect.addEqualityTesters([
  (a: unknown, b: unknown) => (a instanceof Decimal && b instanceof Decimal ? a.equals(b) : undefined),
]);
