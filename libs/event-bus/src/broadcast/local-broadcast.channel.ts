import type { BroadcastChannel } from '../contracts/broadcast-channel';
import type { BroadcastMessage } from '../contracts/broadcast-message';

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
