// A raw TCP client on loopback for tests that need what well-behaved clients never do: stall
// mid-upload, send nothing, hang up. It records what it received and when the server closed.
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves when the socket closes (either side). */
  closed: Promise<void>;
  isClosed(): boolean;
}

export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    socket.on('data', d => { text += d.toString('latin1'); });
    socket.on('error', () => undefined);
    const closedPromise = new Promise<void>(r => socket.once('close', () => { closed = true; r(); }));
    socket.once('connect', () => resolve({ socket, received: () => text, closed: closedPromise, isClosed: () => closed }));
    socket.once('error', reject);
  });
}

/** Waits (polling) until `check` holds; fails with `what` after `limitMs` so a broken test cannot hang. */
export async function until(check: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const give = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > give) throw new Error(`gave up waiting: ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

/** Writes and waits until the bytes are handed to the kernel (the peer may not read them yet). */
export function write(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, e => (e ? reject(e) : resolve())));
}
