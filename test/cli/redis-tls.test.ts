// `fanout check --redis` and `fanout worker` against a real redis-server speaking TLS only (its --tls-port), with a
// CA, server and client certificates made by openssl for the test: trusted CA, wrong CA, wrong name, client
// certificate required; and a password holding @ # / : and %40 that no output shows in any form.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hasRedis, REDIS_SERVER, until } from '../distributed/harness.js';
import { parseReport, runCli, startCli, tempDir, type CliResult } from './helpers.js';

const SECRET = { FANOUT_SECRET: 'a shared secret for the TLS tests', FANOUT_SECRET_FILE: undefined };
/** The password as the URL holds it, and as the server knows it (%40 decoded). */
const WRITTEN = 'alpha7@bravo8#charlie9/delta0:echo1%40foxtrot2';
const PASSWORD = 'alpha7@bravo8#charlie9/delta0:echo1@foxtrot2';

const SERVER = existsSync(REDIS_SERVER) ? REDIS_SERVER : 'redis-server';
/** redis-server built with TLS: one without it calls --tls-port a bad directive. */
function redisHasTls(): boolean {
  const probe = spawnSync(SERVER, ['--port', '0', '--tls-port', '1', '--tls-cert-file', '/nonexistent', '--tls-key-file', '/nonexistent'], { encoding: 'utf8', timeout: 10_000 });
  return /TLS/.test(probe.stdout + probe.stderr) && !/Bad directive/.test(probe.stdout + probe.stderr);
}
const hasTls = hasRedis && spawnSync('openssl', ['version']).status === 0 && redisHasTls();

/** Every form of the password found in `text`: whole (as written, decoded, encoded) or any of its words. */
function leaks(text: string): string[] {
  const forms = [PASSWORD, WRITTEN, encodeURIComponent(PASSWORD), ...PASSWORD.split(/[@#/:]/)];
  return forms.filter((form) => text.includes(form));
}

function openssl(dir: string, args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA, and certificates it signs: the server's for the name redis.test (not 127.0.0.1), a client's. */
function makeCertificates(dir: string): void {
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  for (const ca of ['ca', 'other-ca']) {
    key(ca);
    openssl(dir, ['req', '-x509', '-new', '-key', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca}`]);
  }
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:redis.test\n');
  for (const [name, extra] of [['server', ['-extfile', 'server.ext']], ['client', []]] as const) {
    key(name);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extra]);
    chmodSync(join(dir, `${name}.key`), 0o600);
  }
}

interface TlsRedis {
  port: number;
  child: ChildProcess;
}

/**
 * A redis-server listening with TLS only; resolved once it says it accepts connections. The port was found free, but
 * another process may take it first: the server then exits at once, and another port is tried.
 */
async function startTlsRedis(dir: string, authClients: boolean): Promise<TlsRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD];
    args.push('--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', authClients ? 'yes' : 'no');
    const child = spawn(SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    try {
      await until(() => log.includes('Ready to accept connections') || exited(), 10_000, `redis-server with TLS on ${port}: ${log}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    if (!exited()) return { port, child };
    if (attempt === 5) throw new Error(`redis-server with TLS exited before it was ready, on ${attempt} ports in turn: ${log}`);
  }
}

// Each test runs up to five whole CLI processes, most with TLS handshakes to a redis-server: 10-20 s on a loaded 2-core machine.
describe.skipIf(!hasTls)('Redis over TLS (rediss://) with a real redis-server', { timeout: 120_000 }, () => {
  let dir: string;
  let open: TlsRedis;
  let mutual: TlsRedis;
  const outputs: string[] = [];
  const record = (result: CliResult): CliResult => {
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const url = (server: TlsRedis) => `rediss://:${WRITTEN}@127.0.0.1:${server.port}`;

  beforeAll(async () => {
    dir = tempDir();
    makeCertificates(dir);
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - { id: hello, run: "echo over tls" }\n');
    [open, mutual] = await Promise.all([startTlsRedis(dir, false), startTlsRedis(dir, true)]);
  }, 60_000);
  afterAll(() => {
    open?.child.kill('SIGKILL');
    mutual?.child.kill('SIGKILL');
    // No output of any test shows the password in any form (whole, encoded, decoded, or a piece of it).
    expect(leaks(outputs.join('\n'))).toEqual([]);
  });

  it('runs a check over rediss:// with --redis-ca and --redis-servername; the worker reads the URL from a private file', async () => {
    const urlFile = join(dir, 'redis-url');
    writeFileSync(urlFile, `${url(open)}\n`, { mode: 0o600 });
    const workerEnv = { ...SECRET, FANOUT_REDIS_URL_FILE: urlFile, FANOUT_REDIS_CA: join(dir, 'ca.crt'), FANOUT_REDIS_SERVERNAME: 'redis.test' };
    const worker = startCli(['worker', '--queue', 'tls', '--commit', 'c0ffee', '--concurrency', '1'], { cwd: dir, env: workerEnv });
    let workerStderr = '';
    worker.child.stderr?.on('data', (chunk: Buffer) => (workerStderr += chunk.toString()));
    try {
      await until(() => workerStderr.includes('signed jobs only'), 30_000, 'the worker banner');
      expect(workerStderr).toContain(`Redis rediss://:***@127.0.0.1:${open.port}/0`);
      const env = { ...SECRET, FANOUT_REDIS_URL: url(open) };
      const args = ['check', '--redis', '--redis-ca', join(dir, 'ca.crt'), '--redis-servername', 'redis.test', '--queue', 'tls', '--commit', 'c0ffee', '--json', '--log-dir', join(dir, 'runs')];
      const result = record(await runCli(args, { cwd: dir, env }));
      expect(result.code, result.stderr).toBe(0);
      expect(parseReport(result.stdout).checks[0]).toMatchObject({ id: 'hello', status: 'passed' });
      expect(result.stderr).toContain(`on rediss://:***@127.0.0.1:${open.port}/0`);
    } finally {
      worker.child.kill('SIGTERM');
      outputs.push(workerStderr, (await worker.done).stdout);
    }
  });

  it('a server certificate of another CA, or for another name, is a TLS error at once (exit 2), not a timeout', async () => {
    const env = { ...SECRET, FANOUT_REDIS_URL: url(open) };
    const base = ['check', '--redis', '--commit', 'c0ffee'];
    const wrongCa = record(await runCli([...base, '--redis-ca', join(dir, 'other-ca.crt'), '--redis-servername', 'redis.test'], { cwd: dir, env }));
    expect(wrongCa.code).toBe(2);
    expect(wrongCa.stderr).toMatch(/cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: TLS error: .*(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT)/);
    const wrongName = record(await runCli([...base, '--redis-ca', join(dir, 'ca.crt')], { cwd: dir, env }));
    expect(wrongName.code).toBe(2);
    expect(wrongName.stderr).toMatch(/TLS error: .*ERR_TLS_CERT_ALTNAME_INVALID/);
    const system = record(await runCli(base, { cwd: dir, env }));
    expect(system.stderr).toMatch(/TLS error: /);
    // Each ended at its first connection error, not at the probe's 10 s timeout (how long three processes take on a
    // loaded machine proves nothing).
    for (const result of [wrongCa, wrongName, system]) expect(result.stderr).not.toContain('did not answer within');
  });

  it('a server that requires a client certificate: without one, a TLS error; with --redis-cert and --redis-key, jobs are dispatched', async () => {
    const env = { ...SECRET, FANOUT_REDIS_URL: url(mutual), FANOUT_REDIS_CA: join(dir, 'ca.crt'), FANOUT_REDIS_SERVERNAME: 'redis.test' };
    const without = record(await runCli(['check', '--redis', '--commit', 'c0ffee'], { cwd: dir, env }));
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/TLS error: .*(certificate required|--redis-cert)/);
    const worker = record(await runCli(['worker', '--commit', 'c0ffee'], { cwd: dir, env }));
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/fanout worker: cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: TLS error: /);
    const withCert = ['--redis-cert', join(dir, 'client.crt'), '--redis-key', join(dir, 'client.key')];
    // Connected and dispatched: no worker serves the queue, so the run stops with the infrastructure code.
    const run = record(await runCli(['check', '--redis', ...withCert, '--queue', 'nobody', '--commit', 'c0ffee', '--worker-wait', '1s', '--json', '--log-dir', join(dir, 'runs')], { cwd: dir, env }));
    expect(run.stderr).toContain('dispatching signed jobs to queue nobody@c0ffee');
    expect(run.code, run.stderr).toBe(75);
  });

  it('refuses a password on the command line, a key file others can read, and TLS options with redis://', async () => {
    const onArgv = record(await runCli(['check', '--redis', url(open), '--commit', 'c0ffee'], { cwd: dir, env: SECRET }));
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain('--redis: the URL holds a password');
    const worker = record(await runCli(['worker', '--redis', url(open), '--commit', 'c0ffee'], { cwd: dir, env: SECRET }));
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('FANOUT_REDIS_URL_FILE');
    const shared = join(dir, 'shared.key');
    writeFileSync(shared, readFileSync(join(dir, 'client.key')), { mode: 0o644 });
    chmodSync(shared, 0o644);
    const env = { ...SECRET, FANOUT_REDIS_URL: url(mutual) };
    const key = record(await runCli(['check', '--redis', '--redis-cert', join(dir, 'client.crt'), '--redis-key', shared, '--commit', 'c0ffee'], { cwd: dir, env }));
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/--redis-key: .*shared\.key is readable or writable by group or others/);
    const plain = record(await runCli(['check', '--redis', `redis://127.0.0.1:${open.port}`, '--redis-ca', join(dir, 'ca.crt'), '--commit', 'c0ffee'], { cwd: dir, env: SECRET }));
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('need a rediss:// URL');
    const local = record(await runCli(['check', '--redis-ca', join(dir, 'ca.crt')], { cwd: dir, env: SECRET }));
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('go with --redis');
  });
});
