// A process in another PID namespace, as a container sharing a folder with its host (same uid, same kernel) runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';

/** Whether this machine lets a test start a process in a new PID namespace (root, or unprivileged user namespaces). */
export const canUnshare =
  process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

/** The PID namespace of this process. */
export const ownNamespace = (): number => statSync('/proc/self/ns/pid').ino;

/**
 * Starts a process in a new PID namespace; resolves with its pid and start time as it sees them (as fanout there would
 * record them), its namespace, and the process to kill at the end of the test (`unshare --kill-child` takes the inner
 * process with it).
 */
export async function inOtherNamespace(): Promise<{ pid: number; start: string; ns: number; child: ChildProcess }> {
  const script = `
    const fs = require('node:fs');
    const stat = fs.readFileSync('/proc/self/stat', 'latin1');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    console.log(JSON.stringify({ pid: process.pid, start, ns: fs.statSync('/proc/self/ns/pid').ino }));
    setInterval(() => {}, 1000);`;
  // Under a shell, as in a container, so that it is not the namespace's pid 1 (a pid fanout never takes for a process).
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', '"$0" -e "$1"; true', process.execPath, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  if (!out.includes('\n')) throw new Error(`the process in a new PID namespace said nothing (${child.exitCode})`);
  const inner = JSON.parse(out) as { pid: number; start: string; ns: number };
  if (inner.pid <= 1) throw new Error(`the process in a new PID namespace is its pid ${inner.pid}`);
  return { ...inner, child };
}
