import { ConnectionOptions, Relay } from 'bullmq';
import { BroadcastChannel } from './broadcast-channel';
import { BroadcastMessage } from './broadcast-message';

/** Relay namespace of the bus's broadcasts, under the bus's prefix. */
const NAMESPACE = 'event-bus';

/**
 * The fleet-wide channel, on BullMQ's `Relay`: each node registers under the bus's prefix (with a heartbeat lease),
 * subscribes to `events.>`, and reads its own inbox stream; a publish lands in the inbox of every live node
 * subscribed. A node that is down when the message is published never gets it (at most once).
 */
export class RelayBroadcastChannel implements BroadcastChannel {
  private readonly relay: Relay;

  constructor(connection: ConnectionOptions, prefix: string, onError: (error: Error) => void) {
    this.relay = new Relay({ connection, prefix, namespace: NAMESPACE, name: 'nestjs-durable-bus' });
    this.relay.on('error', onError);
  }

  async publish(message: BroadcastMessage): Promise<void> {
    // Wire names use letters, digits, "_", "-" and ".", which are the relay's topic segments.
    await this.relay.publish(`events.${message.event}`, message);
  }

  async listen(listener: (message: BroadcastMessage) => void): Promise<void> {
    await this.relay.subscribe<BroadcastMessage>('events.>', (received) => listener(received.data));
  }

  close(): Promise<void> {
    return this.relay.close();
  }
}
