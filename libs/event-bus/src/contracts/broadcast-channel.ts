import type { BroadcastMessage } from './broadcast-message';

/** How broadcast messages reach every node: the BullMQ Relay across the fleet, or this process only. */
export interface BroadcastChannel {
  /** Sends a message to every listening node (this one included). Resolves once the message left. */
  publish(message: BroadcastMessage): Promise<void>;
  /** Starts receiving; resolves once this node is subscribed. */
  listen(listener: (message: BroadcastMessage) => void): Promise<void>;
  /** Lets the messages being sent leave (while it can reach the other nodes), stops receiving, closes what it opened. */
  close(): Promise<void>;
}
