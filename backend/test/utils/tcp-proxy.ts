import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops accepting and cuts every open connection in both directions: the dependency "goes away". */
  close: () => Promise<void>;
  /** Listens again on the same port: the dependency "comes back". */
  reopen: () => Promise<void>;
}

/**
 * A minimal TCP forwarder to a local service (PostgreSQL, Redis), so a test can take a dependency away from
 * one application instance without touching the shared server the other tests use.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }),
    reopen: listen,
  };
}
