/**
 * Termination of a command's process tree: SIGTERM to every live group of its session, SIGKILL after the grace
 * period to whatever is still alive, and detection of the moment the tree is gone. Once gone it is never signalled
 * again — its ids may be handed to unrelated processes.
 */
import { groupExists, liveGroups, signalGroup } from './process-group.js';

/** Longest pause between two liveness checks while waiting for a terminated tree to die. */
const MAX_POLL_MS = 50;

/**
 * The termination state of one command's session. `recheck` is called whenever a poll is due; the owner then calls
 * {@link ProcessTreeKiller.checkGone} again.
 */
export class ProcessTreeKiller {
  /** SIGTERM was sent (or the tree was found gone when termination was requested). */
  terminating = false;
  /** SIGKILL was sent. */
  killed = false;
  private gone = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollDelay = 1;

  /** Neither terminating nor known to be gone: a termination requested now would be the first. */
  get idle(): boolean {
    return !this.terminating && !this.gone;
  }

  constructor(
    private readonly sid: number,
    private readonly killGraceMs: number,
    private readonly recheck: () => void,
  ) {}

  /**
   * Whether every process of the session is dead or a zombie. `thorough` scans the whole session; otherwise the
   * session's own group is tested first with one system call, and /proc is read only when that group still has
   * members. Gone is final: later calls answer true without looking.
   */
  checkGone(thorough: boolean): boolean {
    if (this.gone) return true;
    this.gone = (!thorough && !groupExists(this.sid)) || liveGroups(this.sid).length === 0;
    if (this.gone) this.dispose();
    return this.gone;
  }

  /** SIGTERM to every live group of the session, SIGKILL after `killGraceMs` to whatever still lives. Idempotent. */
  terminate(): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    this.send('SIGTERM');
    if (Number.isFinite(this.killGraceMs)) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined;
        this.escalate();
      }, this.killGraceMs);
    }
    this.schedulePoll();
  }

  /** Asks for a liveness check soon: first after 1 ms, backing off to every {@link MAX_POLL_MS} ms. */
  schedulePoll(): void {
    if (this.pollTimer !== undefined || this.gone) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.recheck();
    }, this.pollDelay);
    this.pollDelay = Math.min(this.pollDelay * 2, MAX_POLL_MS);
  }

  /** Clears every timer; nothing is signalled afterwards. */
  dispose(): void {
    clearTimeout(this.graceTimer);
    clearTimeout(this.pollTimer);
    this.graceTimer = undefined;
    this.pollTimer = undefined;
  }

  private escalate(): void {
    if (this.gone || this.checkGone(true)) return;
    this.killed = true;
    this.send('SIGKILL');
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.pollDelay = 1;
    this.schedulePoll();
  }

  private send(signal: NodeJS.Signals): void {
    // Only groups seen alive in this scan are signalled, so a group that is gone is never signalled again.
    for (const pgid of liveGroups(this.sid)) signalGroup(pgid, signal);
  }
}
