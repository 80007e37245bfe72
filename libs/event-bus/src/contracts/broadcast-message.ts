import { EventJobData } from './event-envelope';
/**
 * An event as it travels to every node: the envelope and the encoded payload, like a job's data without a handler.
 * Plain JSON, so any node (and any tool watching the relay) can read it.
 */
export type BroadcastMessage = Omit<EventJobData, 'handler'>;
