/** What the jest hooks need from a kit. */
export interface TrackedKit {
  /** True when made inside a test (closed after it); false when made in `beforeAll` (reset after each test). */
  readonly perTest: boolean;
  verify(): void;
  reset(): void;
  close(): Promise<void>;
}

/**
 * The kits of this test file that are not closed yet. Module state: jest gives every test file its own module
 * registry, so files running in parallel never see each other's kits or events.
 */
const open = new Set<TrackedKit>();

export function trackKit(kit: TrackedKit): void {
  open.add(kit);
}

export function untrackKit(kit: TrackedKit): void {
  open.delete(kit);
}

export function openKits(): TrackedKit[] {
  return [...open];
}

/** Set by the jest hooks of `setupEventBusTesting()`: whether a test (or its beforeEach) is running. */
let insideTest = true;

export function setInsideTest(value: boolean): void {
  insideTest = value;
}

/** Whether a kit made now belongs to the running test (true outside the hooks: nothing resets it then). */
export function isInsideTest(): boolean {
  return insideTest;
}
