// Termination of whole process trees, checked through /proc: every process recorded while the command ran must be
// gone or a zombie once runCommand has settled, and the command's session must have no live member left.
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand, type CommandResult, type RunCommandOptions } from '../../src/exec/run-command.js';
import { builtLibrary } from '../distributed/harness.js';
import { deferred } from '../helpers/deferred.js';
import { canUnshare } from '../other-namespace.js';
import { groupOf, sessionMembers, survivors, waitFor, type ProcessId } from './proc.js';

interface Tracked {
  /** Resolves with the session id once the command has printed "<pid> ready". */
  ready: Promise<number>;
  result: Promise<CommandResult>;
  /** Session members recorded at "ready" (and again by `record`). */
  members: ProcessId[];
  record: (sid: number) => void;
}

/** Starts `command`, which prints "<pid> ready" (any pid of its tree) once its processes are running. */
function track(command: string, options: RunCommandOptions = {}, onText?: (text: string) => void): Tracked {
  const ready = deferred<number>();
  let text = '';
  const tracked: Tracked = {
    ready: ready.promise,
    members: [],
    record(sid) {
      for (const member of sessionMembers(sid)) {
        if (!tracked.members.some((known) => known.pid === member.pid)) tracked.members.push(member);
      }
    },
    result: runCommand(command, {
      ...options,
      onOutput(chunk) {
        text += chunk;
        onText?.(text);
        const match = /(\d+) ready/.exec(text);
        if (match !== null && !ready.settled) {
          const sid = groupOf(Number(match[1]))?.sid ?? Number(match[1]);
          tracked.record(sid);
          ready.resolve(sid);
        }
      },
    }),
  };
  return tracked;
}

/** Nothing recorded survives, and the session has no live member. */
function expectTreeGone(sid: number, members: readonly ProcessId[]): void {
  expect(survivors(members)).toEqual([]);
  expect(sessionMembers(sid)).toEqual([]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runCommand terminates the whole tree', () => {
  it("times out `sleep 300 & sleep 301 & wait`, and neither sleep survives", async () => {
    const run = track('sleep 300 & sleep 301 & echo $$ ready; wait', { timeoutMs: 1000 });
    const sid = await run.ready;
    expect(run.members.length).toBeGreaterThanOrEqual(3);
    const result = await run.result;
    expect(result).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: 'SIGTERM' });
    expectTreeGone(sid, run.members);
  });

  it('aborts `sleep 300 & sleep 301 & wait` and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const run = track('sleep 300 & sleep 301 & echo $$ ready; wait', { signal: controller.signal });
    const sid = await run.ready;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const result = await run.result;
    expect(result).toMatchObject({ timedOut: false, cancelled: true, exitCode: null, signal: 'SIGTERM' });
    expectTreeGone(sid, run.members);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('kills a tree that traps and ignores SIGTERM with SIGKILL after killGraceMs', async () => {
    const controller = new AbortController();
    // An ignored signal stays ignored across fork and exec, so the sleep ignores SIGTERM too.
    const run = track(`trap '' TERM; sleep 300 & echo $$ ready; wait`, { signal: controller.signal, killGraceMs: 200 });
    const sid = await run.ready;
    controller.abort();
    const result = await run.result;
    expect(result).toMatchObject({ cancelled: true, exitCode: null, signal: 'SIGKILL' });
    expectTreeGone(sid, run.members);
  });

  it('takes a killGraceMs beyond the longest timer (2^31 - 1 ms) for never, not for a SIGKILL after 1 ms', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const run = track(`trap '' TERM; sleep 300 & echo $$ ready; wait`, { signal: controller.signal, killGraceMs: 2 ** 31 });
      const sid = await run.ready;
      run.record(sid);
      controller.abort();
      // An overflowing timer fires after 1 ms: the tree would be SIGKILLed and the result in long before this.
      const early = await Promise.race([run.result.then(() => 'settled'), new Promise((resolve) => setTimeout(resolve, 500, 'waiting'))]);
      expect(early).toBe('waiting');
      expect(survivors(run.members).length).toBe(run.members.length); // SIGTERM ignored, no SIGKILL sent
      process.kill(-sid, 'SIGKILL'); // the test's own child's group: what "never" leaves to the caller
      const result = await run.result;
      expect(result).toMatchObject({ cancelled: true, signal: 'SIGKILL' });
      expectTreeGone(sid, run.members);
      expect(warnings.filter((warning) => warning.name === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('kills a grandchild that ignores SIGTERM after its shell obeyed it', async () => {
    const controller = new AbortController();
    const inner = `trap '' TERM; echo $$ ready; while :; do sleep 1; done`;
    const run = track(`sh -c "${inner}" & wait`, { signal: controller.signal, killGraceMs: 200 });
    const sid = await run.ready;
    controller.abort();
    const result = await run.result;
    expect(result).toMatchObject({ cancelled: true, signal: 'SIGTERM' }); // the outer shell died of SIGTERM...
    expectTreeGone(sid, run.members); // ...and the inner one, which ignored it, of the escalation
  });

  it('terminates a deep chain of nested shells and subshells', async () => {
    const controller = new AbortController();
    let command = 'echo $$ ready; sleep 300';
    // `; true` after each level keeps the shell from exec-ing its last command, so every level is a process.
    for (let depth = 0; depth < 12; depth++) {
      command = depth % 2 === 0 ? `sh -c '${command.replaceAll("'", `'"'"'`)}'; true` : `(${command}); true`;
    }
    const run = track(command, { signal: controller.signal });
    const sid = await run.ready;
    expect(run.members.length).toBeGreaterThanOrEqual(13);
    controller.abort();
    expect(await run.result).toMatchObject({ cancelled: true });
    expectTreeGone(sid, run.members);
  });

  it('terminates children that moved to a process group of their own (GNU timeout)', async () => {
    const controller = new AbortController();
    const run = track('timeout 300 sleep 300 & echo $$ ready; wait', { signal: controller.signal });
    const sid = await run.ready;
    // `timeout` calls setpgid(0, 0): wait until its group exists, so the test covers a second group.
    await waitFor(() => sessionMembers(sid).some((member) => groupOf(member.pid)?.pgid !== sid), 5000, 'a second process group');
    run.record(sid);
    controller.abort();
    expect(await run.result).toMatchObject({ cancelled: true });
    expectTreeGone(sid, run.members);
  });

  it('terminates background processes that hold the pipes after the shell exits', async () => {
    const run = track('sleep 300 & echo $$ ready');
    const sid = await run.ready;
    const result = await run.result;
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false });
    expect(result.output).toMatch(/^\d+ ready\n$/);
    expectTreeGone(sid, run.members);
  });

  it('pipeGraceMs: how long holders of the pipes may write after the shell exits (Infinity: until they close them)', async () => {
    const gate = join(mkdtempSync(join(tmpdir(), 'fanout-exec-grace-')), 'gate');
    // The holder writes only once the test opens the gate: after the shell is reaped and well past the default grace.
    const command = `(until [ -e '${gate}' ]; do sleep 0.01; done; echo late) & echo $$ ready`;
    let shell = 0;
    const waiting = runCommand(command, { pipeGraceMs: Number.POSITIVE_INFINITY, onSpawn: (pid) => (shell = pid) });
    await waitFor(() => shell > 0 && !existsSync(`/proc/${shell}`), 10_000, 'the shell reaped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(gate, '');
    expect(await waiting).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false, output: `${shell} ready\nlate\n` });
    // The default grace: the holder is terminated while it waits for a gate that is never opened.
    const run = track(`(until [ -e '${gate}.never' ]; do sleep 0.01; done; echo late) & echo $$ ready`);
    const sid = await run.ready;
    const result = await run.result;
    expect(result.output).toBe(`${sid} ready\n`);
    expectTreeGone(sid, run.members);
  });

  it('terminates background processes that closed the pipes, once the shell exits', async () => {
    // The sleep holds no pipe, so no end-of-file is awaited: /proc says it is alive, and it is terminated.
    const run = track('sleep 300 >/dev/null 2>&1 & echo $$ ready');
    const sid = await run.ready;
    expect(await run.result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expectTreeGone(sid, run.members);
  });

  it.skipIf(!canUnshare)('never signals a stranger given the id of the emptied session while pipes are awaited', async () => {
    // In a PID namespace of its own the id is handed out again on purpose (see the fixture): right after the shell is
    // reaped (before the first look at the session), 30 ms later (after it), and as a background member ends between
    // two looks. With the long wait the abort ends it; with the default one it has ended before, signalling nothing.
    const index = await builtLibrary();
    const fixture = new URL('../fixtures/exec/pid-reuse.js', import.meta.url).pathname;
    for (const [mode, ms] of [['exit', 0], ['exit', 30], ['member', 40]] as const) {
      for (const grace of [600_000, 100]) {
        let outcome: { reused: boolean; signal: string | null; cancelled: boolean; output: string } | undefined;
        // Another pid (a thread of node's) may come first: try again until the id was reused.
        for (let attempt = 0; attempt < 5 && outcome?.reused !== true; attempt++) {
          const script = `"$0" "$1" "$2" "$3" "$4" "$5" & wait`;
          const child = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script, process.execPath, fixture, index, String(grace), mode, String(ms)], {
            encoding: 'utf8',
            timeout: 60_000,
          });
          expect(child.status, child.stderr).toBe(0);
          outcome = JSON.parse(child.stdout) as typeof outcome;
        }
        expect({ mode, ms, grace, ...outcome }).toEqual({ mode, ms, grace, reused: true, signal: null, cancelled: grace === 600_000, output: 'started\n' });
      }
    }
  });

  it('settles when a process outside the tree (a session of its own) keeps the pipes open', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'fanout-exec-daemon-')), 'pid');
    const controller = new AbortController();
    // The daemon writes once the shell is reaped; that write triggers an abort while fanout still waits for EOF.
    const daemon = `echo $$ > '${pidFile}'; while kill -0 '"$p"' 2>/dev/null; do :; done; echo late; exec sleep 300`;
    // The shell waits for the daemon's pid file: until setsid has run, the daemon is still a member of the shell's
    // group, which fanout rightly terminates when the shell exits.
    // The daemon writes after the shell's exit: the wait for it must not end first (a loaded machine may not run it
    // within the default 100 ms).
    const promise = runCommand(`p=$$; setsid sh -c '${daemon}' & until [ -s '${pidFile}' ]; do sleep 0.01; done; echo started`, {
      signal: controller.signal,
      pipeGraceMs: 600_000,
      onOutput: (chunk) => {
        if (chunk.includes('late')) controller.abort();
      },
    });
    let pid = 0;
    try {
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 5000, 'the pid file');
      pid = Number(readFileSync(pidFile, 'utf8'));
      const result = await promise;
      expect(result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: true, output: 'started\nlate\n' });
      // Outside the tree by its own choice: fanout stopped reading its pipe but did not kill it.
      expect(groupOf(pid)?.sid).toBe(pid);
    } finally {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  it('never signals the tree again once it is gone', async () => {
    const kill = vi.spyOn(process, 'kill');
    const run = track('sleep 300 & echo $$ ready; wait', { timeoutMs: 300, killGraceMs: 100 });
    const sid = await run.ready;
    await run.result;
    const callsAtSettle = kill.mock.calls.length;
    expect(kill.mock.calls.some(([pid, signal]) => pid === -sid && signal === 'SIGTERM')).toBe(true);
    // Longer than the grace period and the poll interval: any leftover timer would have fired by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(kill.mock.calls.length).toBe(callsAtSettle);
    expect(kill.mock.calls.some(([, signal]) => signal === 'SIGKILL')).toBe(false);
  });
});

describe('runCommand and its abort signal', () => {
  it('spawns nothing when the signal is already aborted', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'fanout-exec-')), 'started');
    const controller = new AbortController();
    controller.abort();
    const result = await runCommand(`touch '${marker}'`, { signal: controller.signal });
    expect(result).toEqual({ exitCode: null, signal: null, timedOut: false, cancelled: true, durationMs: 0, output: '', outputBytes: 0 });
    // Give a stray process every chance to have created the file.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(marker)).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('is unaffected by an abort after the end', async () => {
    const controller = new AbortController();
    const result = await runCommand('echo done', { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const kill = vi.spyOn(process, 'kill');
    const snapshot = structuredClone(result);
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result).toEqual(snapshot);
    expect(result).toMatchObject({ exitCode: 0, cancelled: false, output: 'done\n' });
    expect(kill).not.toHaveBeenCalled();
  });

  it('leaves no listener after a normal end, a timeout or a failed start', async () => {
    const signal = new AbortController().signal;
    await runCommand('exit 3', { signal });
    await runCommand('sleep 300', { signal, timeoutMs: 50 });
    await runCommand('true', { signal, cwd: '/no/such/directory' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('records only the first reason: an abort during the grace period of a timeout stays a timeout', async () => {
    const controller = new AbortController();
    // The shell reports SIGTERM and carries on; the report is the cue to abort while the escalation is pending.
    const command = `trap 'echo got-term' TERM; echo $$ ready; while :; do sleep 1; done`;
    const run = track(command, { signal: controller.signal, timeoutMs: 200, killGraceMs: 300 }, (text) => {
      if (text.includes('got-term')) controller.abort();
    });
    const sid = await run.ready;
    const result = await run.result;
    expect(controller.signal.aborted).toBe(true);
    expect(result).toMatchObject({ timedOut: true, cancelled: false, signal: 'SIGKILL' });
    expectTreeGone(sid, run.members);
  });
});
