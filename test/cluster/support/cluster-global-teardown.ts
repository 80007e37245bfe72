export default async function clusterGlobalTeardown(): Promise<void> {
  const state = globalThis as {
    __TEST_CLUSTER__?: { stop(): Promise<void> };
    __TEST_POSTGRES__?: { stop(): Promise<void> };
  };
  await Promise.all([state.__TEST_CLUSTER__?.stop(), state.__TEST_POSTGRES__?.stop()]);
}
