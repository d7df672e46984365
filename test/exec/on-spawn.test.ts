import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localExecutor } from '../../src/exec/executor.js';
import { runCommand } from '../../src/exec/run-command.js';

describe('onSpawn', () => {
  it('gets the pid of the shell, which leads the process group of the command', async () => {
    const pids: number[] = [];
    let groupAtSpawn: number | undefined;
    const result = await runCommand('echo $$; sleep 0.05', {
      onSpawn: (pid) => {
        pids.push(pid);
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        groupAtSpawn = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      },
    });
    expect(pids).toHaveLength(1);
    expect(result.output.trim()).toBe(String(pids[0]));
    expect(groupAtSpawn).toBe(pids[0]);
  });

  it('is passed through the local executor', async () => {
    const pids: number[] = [];
    const result = await localExecutor.execute({ command: 'echo $$' }, { onSpawn: (pid) => pids.push(pid) });
    expect(result.output.trim()).toBe(String(pids[0]));
  });

  it('rejects a non-function, naming the option', async () => {
    await expect(runCommand('true', { onSpawn: 5 as unknown as () => void })).rejects.toThrow(/options\.onSpawn/);
  });

  it('an onSpawn that throws terminates the command and rejects with its error', async () => {
    const error = new Error('journal full');
    await expect(
      runCommand('sleep 5', {
        killGraceMs: 0,
        onSpawn: () => {
          throw error;
        },
      }),
    ).rejects.toBe(error);
  });
});
