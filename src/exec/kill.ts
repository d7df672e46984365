/**
 * Termination of a command's process tree: SIGTERM to every live group of its session, SIGKILL after the grace
 * period to whatever is still alive, and detection of the moment the tree is gone. Once gone it is never signalled
 * again — its ids may be handed to unrelated processes.
 */
import { MAX_TIMER_MS } from '../common/timer.js';
import { groupExists, liveGroups, signalGroup } from './process-group.js';
import { isAlive } from './processes.js';

/** Longest pause between two liveness checks while waiting for a terminated tree to die. */
const MAX_POLL_MS = 50;

/**
 * The termination state of one command's session. `recheck` is called whenever a poll is due; the owner then calls
 * {@link ProcessTreeKiller.checkGone} again. The owner sets `shellReaped` once the shell's exit event arrived.
 */
export class ProcessTreeKiller {
  /** Termination was requested: SIGTERM, then SIGKILL after the grace period. */
  terminating = false;
  /** The shell (session leader, our direct child) was reaped; until then its pid and group id cannot be reused. */
  shellReaped = false;
  private gone = false;
  /** The signal of the current stage, and which groups have received it. */
  private stage: NodeJS.Signals = 'SIGTERM';
  private readonly signalled = new Map<number, NodeJS.Signals>();
  private graceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollDelay = 1;

  constructor(
    private readonly sid: number,
    private readonly killGraceMs: number,
    private readonly recheck: () => void,
  ) {}

  /** Every process of the session is known dead: nothing is signalled any more. */
  get isGone(): boolean {
    return this.gone;
  }

  /** Neither terminating nor known to be gone: a termination requested now would be the first. */
  get idle(): boolean {
    return !this.terminating && !this.gone;
  }

  /**
   * Whether every process of the session is dead or a zombie. `thorough` scans the whole session; otherwise the
   * session's own group is tested first with one system call, and /proc is read only when that group still has
   * members. While terminating, every live group the scan finds that has not yet had the current stage's signal
   * gets it (children that forked into new groups during the grace period included). Gone is final: later calls
   * answer true without looking, and nothing is signalled any more.
   */
  checkGone(thorough: boolean): boolean {
    if (this.gone) return true;
    if (!thorough && !this.terminating && !groupExists(this.sid)) {
      this.gone = true;
    } else {
      const groups = this.liveGroups();
      this.gone = groups.length === 0;
      if (this.terminating) this.sweep(groups);
    }
    if (this.gone) this.dispose();
    return this.gone;
  }

  /**
   * The session's live groups — none once its id is seen reused. While any process of the session lives (zombies
   * included) the kernel hands out neither its id as a pid nor as a group, so after the shell was reaped a process
   * whose pid is the session id is a stranger's: the session had emptied and its id was given again, and what a scan
   * finds under that id is the stranger's (a daemon that started its own session). Asked after the scan: a reuse
   * after the question is a reuse after the scan too. Left: a stranger that took the id, started a session, forked
   * and exited between two scans of ours is not recognised.
   */
  private liveGroups(): readonly number[] {
    const groups = liveGroups(this.sid);
    if (groups.length > 0 && this.shellReaped && isAlive(this.sid)) return [];
    return groups;
  }

  /**
   * SIGTERM to every live group of the session, SIGKILL after `killGraceMs` to whatever still lives. Idempotent.
   * While the shell is unreaped its group is signalled at once, without reading /proc (its id cannot have been
   * reused); the other groups of the session are found by the first poll, 1 ms later.
   */
  terminate(): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    if (!this.shellReaped) {
      signalGroup(this.sid, 'SIGTERM');
      this.signalled.set(this.sid, 'SIGTERM');
    } else {
      this.sweep(this.liveGroups());
    }
    if (this.killGraceMs <= MAX_TIMER_MS) {
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
    this.stage = 'SIGKILL';
    // The scan inside sends SIGKILL to every live group. Found gone here, the pending poll is cleared with the other
    // timers: the owner hears of it now, else a tree that died between two of its looks leaves it waiting for ever.
    if (this.checkGone(true)) {
      this.recheck();
      return;
    }
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.pollDelay = 1;
    this.schedulePoll();
  }

  /** Sends the current stage's signal to the live groups (seen alive in this scan) that have not had it yet. */
  private sweep(groups: readonly number[]): void {
    for (const pgid of groups) {
      if (this.signalled.get(pgid) === this.stage) continue;
      this.signalled.set(pgid, this.stage);
      signalGroup(pgid, this.stage);
    }
  }
}
