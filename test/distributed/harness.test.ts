// The test harness's Redis that is down: a port that refuses every connection and that no other process can take
// while a test holds it (a port merely found free can be taken before the test uses it).
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refusedPort } from './harness.js';

const listenError = (port: number, host?: string): Promise<string> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    const listening = () => server.close(() => resolve('listening'));
    if (host === undefined) server.listen(port, listening);
    else server.listen(port, host, listening);
  });

const connectError = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
  });

describe('refusedPort', () => {
  it('refuses every connection, and no server can listen on it until it is closed', async () => {
    const down = await refusedPort();
    try {
      expect(await connectError(down.port)).toBe('ECONNREFUSED');
      expect(await listenError(down.port, '127.0.0.1')).toBe('EADDRINUSE');
      expect(await listenError(down.port)).toBe('EADDRINUSE');
      expect(await connectError(down.port)).toBe('ECONNREFUSED');
    } finally {
      await down.close();
    }
  });
});
