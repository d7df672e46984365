// pingRedis's arguments and its signal, against a server that accepts connections and never answers (no Redis needed).
import { describe, expect, it } from 'vitest';
import { pingRedis } from '../../src/distributed/ping.js';
import { silentServer, until, type SilentServer } from './harness.js';

/** Runs `test` against a fresh silent server, closed whatever the outcome. */
async function withServer(test: (server: SilentServer) => Promise<void>): Promise<void> {
  const server = await silentServer();
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

describe('pingRedis', () => {
  it.each([Number.NaN, 0, -1, 1.5, '1000', null])('refuses a timeout of %s with a TypeError naming it, before connecting', async (timeoutMs) =>
    withServer(async (server) => {
      const ping = pingRedis(server.url, timeoutMs as number);
      await expect(ping).rejects.toThrow(TypeError);
      await expect(ping).rejects.toThrow(/timeoutMs/);
      expect(server.connections()).toBe(0);
    }),
  );

  it('refuses options that are no object, and a signal that is no AbortSignal', async () => {
    await expect(pingRedis('redis://127.0.0.1:1', 1000, 'x' as never)).rejects.toThrow(/options/);
    await expect(pingRedis('redis://127.0.0.1:1', 1000, { signal: {} as AbortSignal })).rejects.toThrow(/options\.signal/);
  });

  it('an aborted signal rejects with its reason and connects to nothing', async () =>
    withServer(async (server) => {
      const reason = new Error('stopped before');
      await expect(pingRedis(server.url, 60_000, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(server.connections()).toBe(0);
    }),
  );

  it('aborting while Redis does not answer rejects with the reason and closes the connection', async () =>
    withServer(async (server) => {
      const controller = new AbortController();
      const ping = pingRedis(server.url, 60_000, { signal: controller.signal });
      const outcome = ping.catch((error: unknown) => error);
      await until(() => server.connections() > 0, 10_000, 'the probe to connect');
      const reason = new Error('stopped');
      controller.abort(reason);
      expect(await outcome).toBe(reason);
      await until(() => server.open() === 0, 10_000, 'the probe to close its connection');
    }),
  );

  it('a signal not aborted leaves no listener on it once the probe ended', async () =>
    withServer(async (server) => {
      const controller = new AbortController();
      const added: string[] = [];
      const removed: string[] = [];
      const { signal } = controller;
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      signal.addEventListener = (type: string, ...rest: [never, never]) => (added.push(type), add(type, ...rest));
      signal.removeEventListener = (type: string, ...rest: [never, never]) => (removed.push(type), remove(type, ...rest));
      // Ended by its own timeout: the server never answers.
      await expect(pingRedis(server.url, 50, { signal })).rejects.toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
      expect(added).toEqual(['abort']);
      expect(removed).toEqual(['abort']);
      await until(() => server.open() === 0, 10_000, 'the probe to close its connection');
    }),
  );
});
