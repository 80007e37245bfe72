export * from './drain-timeout.error';
export * from './event-expectation.error';
export * from './event-round-trip.error';
export * from './handler-selection.error';
export * from './inline-handler.error';
export * from './unasserted-events.error';
