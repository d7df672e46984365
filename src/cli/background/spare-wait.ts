// The spare supervisor's side of a warm spare (see spare.ts): it waits, its modules loaded, for the run its server
// hands it on its IPC channel, and exits, leaving nothing behind, when that server goes away first.
import { fstatSync, lstatSync, unlinkSync } from 'node:fs';
import { RUN_ID_ENV } from './launch.js';
import { isHanded, sameFile, type Ready } from './spare-protocol.js';


/**
 * In a spare (started by `fanout mcp`, see spare.ts): loads the modules a run needs, says it is ready, and waits for its
 * server to hand it a run. Resolves with the run's arguments (its id is then in FANOUT_RUN_ID, where a supervisor
 * finds it); when the server goes away first, removes its log file (verified to be its own stdout) and exits.
 */
export async function waitForRun(logFile: string): Promise<string[]> {
  const handed = new Promise<string[]>((done) => {
    const gone = () => {
      try {
        if (sameFile(fstatSync(1), lstatSync(logFile))) unlinkSync(logFile);
      } catch {
        // Already moved or removed: nothing of this spare is left behind.
      }
      process.exit(0);
    };
    const take = (message: unknown) => {
      if (!isHanded(message)) return;
      process.off('message', take).off('disconnect', gone);
      process.env[RUN_ID_ENV] = message.runId;
      // The run outlives the server: its channel is closed now, so the server going away is no news to it.
      process.disconnect();
      done(message.args);
    };
    process.on('message', take).on('disconnect', gone);
    // A server that went away before these listeners were there said so to nobody.
    if (!process.connected) gone();
  });
  await Promise.all([import('../program.js'), import('../actions/check.js')]);
  process.send?.({ type: 'ready' } satisfies Ready);
  return handed;
}

