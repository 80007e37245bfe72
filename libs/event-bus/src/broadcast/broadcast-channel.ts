import { BroadcastMessage } from './broadcast-message';

/** How broadcast messages reach every node: the BullMQ Relay across the fleet, or this process only. */
export interface BroadcastChannel {
  /** Sends a message to every listening node (this one included). Resolves once the message left. */
  publish(message: BroadcastMessage): Promise<void>;
  /** Starts receiving; resolves once this node is subscribed. */
  listen(listener: (message: BroadcastMessage) => void): Promise<void>;
  /** Lets the messages being sent leave (while it can reach the other nodes), stops receiving, closes what it opened. */
  close(): Promise<void>;
}

/**
 * The in-process channel (in-memory and custom transports): messages reach this process only, on a later turn of
 * the event loop, through a JSON round trip like the relay's.
 */
export class LocalBroadcastChannel implements BroadcastChannel {
  private listeners: ((message: BroadcastMessage) => void)[] = [];

  publish(message: BroadcastMessage): Promise<void> {
    const json = JSON.stringify(message);
    setImmediate(() => {
      for (const listener of this.listeners) listener(JSON.parse(json) as BroadcastMessage);
    });
    return Promise.resolve();
  }

  listen(listener: (message: BroadcastMessage) => void): Promise<void> {
    this.listeners.push(listener);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listeners = [];
    return Promise.resolve();
  }
}
