import { createServer, type Socket } from 'node:net';

/**
 * A TCP listener standing where a job says a broker, registry, catalog or object store is: it counts
 * every connection (and keeps what was sent), then hangs up. A policy test asserts it saw nothing.
 */
export async function startListener() {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Long enough for a client to send its request (and its credentials) before the line drops.
    setTimeout(() => socket.destroy(), 200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    received: () => Buffer.concat(received).toString('latin1'),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Listener = Awaited<ReturnType<typeof startListener>>;
