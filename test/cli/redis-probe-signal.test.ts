// `fanout check --redis` probes Redis before anything runs (a wrong URL is the user's to fix). A server that accepts
// and never answers holds that probe up to its 10 s limit: Ctrl-C meanwhile ends the run at once, by the signal, with
// no "cannot reach Redis" (the server was never the problem) and no check started.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentServer, type SilentServer } from '../distributed/harness.js';
import { projectWith, startCli } from './helpers.js';

let server: SilentServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fanout check --redis: a signal while Redis is probed', () => {
  it('ends the process by the signal, says nothing of Redis, runs nothing, and closes the probe', async () => {
    server = await silentServer();
    const probe = server;
    const dir = projectWith(['checks:', '  - id: a', '    run: "touch ran"', ''].join('\n'));
    const { child, done } = startCli(['check', '--redis', '--insecure', '--commit', 'c0ffee'], { cwd: dir, env: { FANOUT_REDIS_URL: probe.url } });
    // The probe is connected and waits for a reply that never comes.
    await vi.waitFor(() => expect(probe.connections()).toBe(1), { timeout: 30_000, interval: 20 });
    child.kill('SIGINT');
    const result = await done;
    expect(result.stderr).not.toMatch(/cannot reach Redis|internal error/);
    expect(result.signal).toBe('SIGINT');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    // The probe's connection was closed by the client, not left to the server.
    await vi.waitFor(() => expect(probe.open()).toBe(0), { timeout: 10_000, interval: 20 });
  });
});
