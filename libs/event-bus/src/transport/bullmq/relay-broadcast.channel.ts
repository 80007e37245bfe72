import { Relay } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeClient, connectionLost } from './redis-connection';
import { BroadcastChannel } from '../../contracts/broadcast-channel';
import { BroadcastMessage } from '../../contracts/broadcast-message';

/** Relay namespace of the bus's broadcasts, under the bus's prefix. */
const NAMESPACE = 'event-bus';

/**
 * The fleet-wide channel, on BullMQ's `Relay`: each node registers under the bus's prefix (with a heartbeat lease),
 * subscribes to `events.>`, and reads its own inbox stream; a publish lands in the inbox of every live node
 * subscribed. A node that is down when the message is published never gets it (at most once).
 */
export class RelayBroadcastChannel implements BroadcastChannel {
  private readonly relay: Relay;
  private readonly sending = new Set<Promise<unknown>>();

  /** `client` is the channel's own (it closes it); the relay duplicates it for its blocking reads. */
  constructor(
    private readonly client: Redis,
    prefix: string,
    onError: (error: Error) => void,
  ) {
    this.relay = new Relay({ connection: client, prefix, namespace: NAMESPACE, name: 'nestjs-durable-bus' });
    this.relay.on('error', onError);
  }

  async publish(message: BroadcastMessage): Promise<void> {
    // Wire names use letters, digits, "_", "-" and ".", which are the relay's topic segments.
    const sending = this.relay.publish(`events.${message.event}`, message);
    this.sending.add(sending);
    try {
      await sending;
    } finally {
      this.sending.delete(sending);
    }
  }

  async listen(listener: (message: BroadcastMessage) => void): Promise<void> {
    await this.relay.subscribe<BroadcastMessage>('events.>', (received) => listener(received.data));
  }

  /**
   * Lets the messages being sent leave, then unregisters this node. With Redis gone, or going away meanwhile, those
   * would wait for it without end, and so would the relay's close (its read loop waits for a blocking connection
   * that never becomes ready): the connection is dropped instead, which fails what was waiting for it, and the
   * relay is left to end on its own, with nothing left to reach Redis with. A node that stops heartbeating leaves
   * the fleet when its lease ends.
   */
  async close(): Promise<void> {
    const stopping = Promise.allSettled([...this.sending]).then(() => this.relay.close());
    const lost = connectionLost(this.client);
    const outcome = await Promise.race([stopping.then(() => 'closed' as const), lost.promise]);
    lost.cancel();
    if (outcome === 'lost') stopping.catch(() => undefined);
    await closeClient(this.client); // a QUIT when Redis is there, else a disconnect
  }
}
