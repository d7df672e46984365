// run_status and the tools that read a run, for a background run without a journal: its launch record tells a run
// still starting from one whose supervisor died before it began.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFolder, newRunId, processRecord, recordLaunch } from '../../../src/checks/index.js';
import { LAUNCH_FILE } from '../../../src/checks/state/runs.js';
import { checkLog, runStatus, ToolError, type McpContext } from '../../../src/cli/mcp/tools.js';

const linux = process.platform === 'linux' && process.env.FANOUT_PROC_FALLBACK !== 'ps';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A log folder holding one run folder without a journal. */
function journalLess(): { context: McpContext; id: string } {
  const logDir = mkdtempSync(join(tmpdir(), 'fanout-mcp-launch-'));
  const id = newRunId();
  createRunFolder(join(logDir, id));
  return { context: { cwd: logDir, logDir, version: '0.0.0-test' }, id };
}

describe('MCP tools on a run without a journal', () => {
  it.skipIf(!linux)('run_status answers a run whose supervisor still runs as starting', () => {
    const { context, id } = journalLess();
    const supervisor = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(supervisor);
    recordLaunch(join(context.logDir, id), supervisor.pid as number);
    const answer = runStatus(context, { run_id: id });
    expect(answer.structured).toMatchObject({ run_id: id, phase: 'starting', exit_code: null });
    expect(() => checkLog(context, { run_id: id, check: 'a' })).toThrow(/is starting \(its supervisor has not written its journal yet\)/);
  });

  it.skipIf(!linux)('names a run whose supervisor died before it began as failed to start', () => {
    const { context, id } = journalLess();
    const dead = processRecord(spawnSync('true').pid);
    // Its start time could not be read after it exited: that of a process long gone from this pid.
    writeFileSync(join(context.logDir, id, LAUNCH_FILE), `${JSON.stringify({ ...dead, pid_start: processRecord(process.pid).pid_start })}\n`, { mode: 0o600 });
    let error: unknown;
    try {
      runStatus(context, { run_id: id });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(new RegExp(`run ${id} failed to start: its supervisor exited before the run began \\(see .*supervisor\\.log\\)`));
  });

  it('says it cannot tell for a run folder without a launch record', () => {
    const { context, id } = journalLess();
    expect(() => runStatus(context, { run_id: id })).toThrow(/has no journal \(an older fanout ran it, or its launch cannot be told\)/);
  });
});
