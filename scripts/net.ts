/** Loopback port helpers shared by the scripts and the tests. */
import net from 'node:net';

/**
 * A port that was free on 127.0.0.1 a moment ago, for a server started after this returns. It is
 * taken below the kernel's ephemeral range (Linux: 32768 up), not from `listen(0)`: a port from
 * that range can be taken by any outgoing connection (to the database, to Temporal) before the
 * server binds it, which once failed a CI run with the API's port already in use.
 */
export function freePort(): Promise<number> {
  return freeLowPort();
}

/**
 * A free port below the kernel's ephemeral range (which starts at 32768): for a server that keeps
 * its port in a 16-bit signed column (Temporal's cluster membership table).
 */
export async function freeLowPort(min = 20_000, max = 32_000): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = min + Math.floor(Math.random() * (max - min));
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port from ${min} to ${max}`);
}

/** Whether something accepts connections on 127.0.0.1:port within timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * A port for the dev server whose UI port (`port + 1000`, as `npm start` places it) is free too,
 * both below Linux's ephemeral range (32768 up), where outgoing connections cannot take them.
 */
export async function freePortPair(offset = 1000): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeLowPort(20_000, 31_000);
    if (await isPortFree(port + offset)) return port;
  }
  throw new Error(`no free pair of ports ${offset} apart`);
}

/** Whether 127.0.0.1:`port` can be listened on now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
