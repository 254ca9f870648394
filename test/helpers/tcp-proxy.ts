// A TCP proxy on 127.0.0.1 that a test puts between Custodian and PostgreSQL, to cut the network
// (refuse new connections and reset live ones), black-hole it (accept and never answer) or restore it.
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Refuse new connections and reset every live one: the database is gone. */
  cut(): Promise<void>;
  /** Accept connections but pass nothing on: the database is unreachable, packets vanish. */
  blackHole(): void;
  /** Forward again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let forwarding = true;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (!forwarding) return; // black hole: hold the connection, say nothing
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    async cut() {
      forwarding = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      resetAll();
      await closed;
    },
    blackHole() {
      forwarding = false;
      resetAll();
    },
    async restore() {
      forwarding = true;
      if (!server.listening) await listen(port);
    },
    async close() {
      const closed = server.listening
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      resetAll();
      await closed;
    },
  };
}
