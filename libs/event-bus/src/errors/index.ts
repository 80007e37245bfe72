export * from './event-bus.error';
export * from './event-bus-config.error';
export * from './event-encoding.error';
export * from './invalid-job.error';
export * from './sync-handler.error';
export * from './unrecoverable-event.error';
export * from './after-commit-dispatch.error';
export * from './job-write.error';
