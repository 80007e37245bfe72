import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { deferred } from './deferred';

/**
 * A loopback TCP proxy in front of a Redis that can lose one reply: armed with a predicate, it forwards the first
 * client chunk matching it, waits for Redis's reply (so the command has run), drops that reply and cuts the
 * connection. The client sees the connection go with a command unanswered, as when Redis restarts between running a
 * script and sending its reply; ioredis then reconnects through the proxy and sends the command again.
 */
export class CuttingProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private trigger: ((chunk: string) => boolean) | undefined;
  private cutDone = deferred<string>();

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.pipe(client));
  }

  static async start(redisUrl: string): Promise<CuttingProxy> {
    const url = new URL(redisUrl);
    const proxy = new CuttingProxy({ host: url.hostname, port: Number(url.port) });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Loses the reply to the next command whose bytes satisfy `matches`; resolves with that command once cut. */
  cutReplyTo(matches: (chunk: string) => boolean): Promise<string> {
    this.cutDone = deferred<string>();
    this.trigger = matches;
    return this.cutDone.promise;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket): void {
    const upstream = new Socket();
    this.sockets.add(client).add(upstream);
    let cutting: string | undefined;
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (this.trigger?.(text)) {
        this.trigger = undefined;
        cutting = text;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (cutting === undefined) {
        client.write(chunk);
        return;
      }
      // The reply to the chosen command (and whatever else was pending on this connection) never arrives.
      const command = cutting;
      end();
      this.cutDone.resolve(command);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(this.target.port, this.target.host);
  }
}
