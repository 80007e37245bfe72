import { monotonicFactory } from 'ulidx';

/**
 * Event ids are ULIDs from a monotonic factory: unique, lexicographically sortable by time, and strictly increasing
 * within a process even inside one millisecond. Never all digits, never containing ":" (both matter to BullMQ).
 */
export const newEventId: () => string = monotonicFactory();
