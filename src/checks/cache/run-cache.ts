// The cache as one run uses it: the key of each cacheable check (computed when its requirements are done), the
// lookup that turns a check into a replayed result, and the store of a fresh pass whose inputs did not change while
// it ran.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { FanoutError } from '../../common/errors.js';
import type { ResolvedCheck } from '../../config/types.js';
import type { CheckRecord, FailureReason } from '../record.js';
import { buildIdentity, cacheKey, checkSpec, inputsDigest, uncachedResultKey, type CheckSpec } from './key.js';
import { InputTree, statFileName, type InputSnapshot, type WayState } from './inputs.js';
import { CacheStore, DEFAULT_CACHE_MAX_BYTES, type CacheEntry } from './store.js';
import type { SharedCache, SharedClaim } from './remote.js';

/**
 * What the cache of passed checks could not do for a run, one entry of the report's `cache_warnings` (a type, not an
 * interface, so that it is JSON). `message` is the warning as the CLI prints it after `fanout: warning: cache: `.
 */
export type CacheWarning = {
  /**
   * `inputs-match-nothing`: a check's `inputs` select no file (a mistyped glob, a folder reached through a link): no
   * change is ever noticed. `uncached`: a check's key could not be computed, and it ran without the cache (neither
   * replayed nor stored). `inputs-taken-late`: the inputs of the checks without requirements could not be taken before
   * the first command; each was taken at its turn.
   */
  kind: 'inputs-match-nothing' | 'uncached' | 'inputs-taken-late';
  /** The checks it concerns (none for `inputs-taken-late`). */
  checks: string[];
  /** With `inputs-match-nothing`: the glob list. */
  inputs?: string[];
  /** With `uncached`: the stable code of the reason when it has one (`ERR_OPAQUE_INPUT`, `ERR_INPUT_NAME`...). */
  code?: string;
  message: string;
};

/** Options of {@link RunCache}. */
export interface RunCacheOptions {
  /** The log folder: the store is its `cache/` folder. */
  logDir: string;
  /** The config's folder: inputs are relative to it. */
  dir: string;
  /** fanout's version (part of every key). */
  version: string;
  /** Whether the config is in VibeGuard's naming (part of every key: grok, values and asserts differ). @default false */
  vibeguard?: boolean | undefined;
  /** Read entries (false: every check runs, and passes are stored all the same). */
  read: boolean;
  /** Where `env_inputs` are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** The store's bound in bytes. @default 256 MB */
  maxBytes?: number | undefined;
  /**
   * A cache shared with other machines: read on a local miss (when reading is on), written after a local store, and
   * given each local hit it lacks.
   */
  shared?: SharedCache | undefined;
  /**
   * The checks of the run: the inputs of those without requirements are taken together when the first key is asked
   * for, before a command of the run starts, and the files the checks must read are hashed ahead meanwhile.
   */
  checks?: readonly ResolvedCheck[] | undefined;
  /**
   * Every check of the config (the run may select fewer): what an earlier run remembered of the inputs of a glob list
   * none of them uses is dropped when the stat cache is written. Undefined: every remembered glob list is kept.
   */
  configChecks?: readonly ResolvedCheck[] | undefined;
}

/** A cacheable check about to run or be replayed: its key and the inputs it was computed from. */
export interface CacheTicket {
  key: string;
  /** The inputs the key was computed from; undefined for a hit found from remembered inputs (nothing runs). */
  snapshot: InputSnapshot | undefined;
  /** The stored result found while computing the key, from remembered inputs. */
  hit?: CacheEntry | undefined;
  /**
   * False when an input changed between its hashing and the check's start (a file git vouched for among them): the
   * key may not name the content the check runs on, so no entry under it is replayed (local or shared), the result is
   * not stored, and dependents do not get the key.
   */
  storable: boolean;
  /** Set when {@link RunCache.lookup} or {@link RunCache.lookupShared} found the entry replayed for the check. */
  replayed?: boolean | undefined;
  /**
   * Whether the key names the files the check ran on, decided once it ran ({@link RunCache.done}): its result is
   * stored, and its dependents get the key, only then.
   */
  named?: boolean | Promise<boolean> | undefined;
  /** The shared cache's claim on the check: this run runs it, and others wait for its result. */
  claim?: SharedClaim | undefined;
  /** The result {@link RunCache.save} stored, for the shared cache. */
  saved?: CacheEntry | undefined;
  /** The files the key was computed from (relative): a file matching the inputs that is not among them is new. */
  paths?: readonly string[] | undefined;
  /** Commands of the run when the key was asked for: how many had started, how many were running, and when (epoch ms). */
  window?: { starts: number; running: number; at: number; way?: WayState } | undefined;
  /** {@link RunCache.save} deciding whether to store (it waits for a listing): the shared cache waits for it. */
  saving?: Promise<boolean> | undefined;
  /** The inputs' digest of a hit found from remembered inputs (no snapshot): what they must still recall to. */
  digest?: string | undefined;
}

/**
 * What a cacheable check's key handed to its dependents stands for: its inputs as its ticket took them, as long as they
 * are still what the key names. Another command of the run may rewrite them after the key was taken (a dependent of
 * the check, an unrelated check): a dependent keyed or ending after that must not name them by the key.
 */
interface Guard {
  check: ResolvedCheck;
  ticket: CacheTicket;
  /** Commands of the run started, and running, when the inputs were last found to be what the key names. */
  starts: number;
  running: number;
  /** Found changed once: a change back does not make the key name them again (their states differ anyway). */
  broken: boolean;
}

/** What a check's inputs came to when the first key was asked for; no digest nor snapshot when they had to be read. */
interface Early {
  /** How many commands of the run had started when they were taken: once another did, they are taken again (see {@link RunCache.early}). */
  starts: number;
  /**
   * How many commands of the run were running when they were taken: one may write a file afterwards and end without
   * another starting, so they hold only when none was.
   */
  running: number;
  digest?: string | undefined;
  paths?: string[] | undefined;
  snapshot?: InputSnapshot | undefined;
}

/** What one look at requirements' inputs took ({@link RunCache.holds}): each file's stats, each glob list's files. */
interface Look {
  stats: Map<string, Stats | undefined>;
  matched: Map<string, { created: boolean; paths: string[] }>;
}

/** An unexpected error as a report says it: its class and message. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error === 'string' ? error : Object.prototype.toString.call(error);
}

/** Whether a check may be served from the cache: it declares `inputs` and does not opt out. */
export function isCacheable(check: Pick<ResolvedCheck, 'inputs' | 'cache'>): boolean {
  return check.cache !== false && Array.isArray(check.inputs) && check.inputs.length > 0;
}

/** The cache of one run. */
export class RunCache {
  readonly store: CacheStore;
  private readonly tree: InputTree;
  /**
   * The key of each passed or warned check's result in this run: what its dependents' keys include. A promise while
   * it is not known yet whether the key of a check that ran names the files it ran on (see {@link RunCache.done}).
   */
  private readonly results = new Map<string, string | Promise<string>>();
  /** What the key of each cacheable check in {@link RunCache.results} stands for (see {@link Guard}). */
  private readonly guards = new Map<string, Guard>();
  private stored = 0;
  /** Commands of the run started and not ended yet ({@link RunCache.starting}, {@link RunCache.ended}). */
  private running = 0;
  /** Stores deciding, and shared-cache writes waiting for them: {@link RunCache.settled} waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  /** What the cacheable checks without requirements came to when the first key was asked for (see {@link RunCache.early}). */
  private primed: Promise<Map<ResolvedCheck, Early>> | undefined;
  /** Why the inputs of the checks without requirements could not be taken together (each was then taken alone). */
  private primeFailure: unknown;
  /** The checks whose key could not be computed (they ran without the cache), each with its error. */
  private readonly keyFailures: Array<{ id: string; error: unknown }> = [];
  /** The run's signal ({@link RunCache.problem}): it stops the run's first listing, and a listing asked again after it. */
  private signal: AbortSignal | undefined;

  constructor(private readonly options: RunCacheOptions) {
    this.store = new CacheStore(options.logDir);
    // Named when first read: naming it loads node:crypto, which is better done while git lists than before it starts.
    this.tree = new InputTree(options.dir, options.logDir, () => join(this.store.folder, statFileName(options.dir)));
    if (options.configChecks !== undefined) this.tree.useOnly(options.configChecks.filter(isCacheable).map((check) => check.inputs));
  }

  /**
   * Why the store cannot be used (a link, someone else's folder...), or undefined; creates it when missing. A store
   * that may be used starts listing the inputs at once: the listing (git) runs while the run prepares. Aborting
   * `signal` (the run's) stops that git: no key is computed from a listing that did not end (see InputTree.start).
   */
  problem(signal?: AbortSignal): string | undefined {
    const problem = this.store.problem(true);
    if (problem === undefined) {
      this.signal = signal;
      void this.tree.start(signal).catch(() => undefined);
      // Once the run has asked git and gone on preparing: the stat cache is read (and node:crypto loaded) while git
      // lists, not after its answer, on the way to the first command. Unref'd: it never holds a process that is done.
      setImmediate(() => {
        try {
          this.tree.readStats();
        } catch {
          // read when first needed, where a failure is the key's (the check runs uncached), never the process's
        }
      }).unref();
    }
    return problem;
  }

  /** The outcome-deciding fields of `check` under the run's timeout. */
  spec(check: ResolvedCheck, timeoutMs: number | null): CheckSpec {
    return checkSpec(check, this.options.dir, timeoutMs, this.options.vibeguard === true);
  }

  /**
   * The key of `check` now (its requirements must be done): undefined when an input cannot be read, and the check
   * then runs without being stored.
   */
  async ticket(check: ResolvedCheck, timeoutMs: number | null, signal?: AbortSignal): Promise<CacheTicket | undefined> {
    // Before any look: a command that starts while the inputs are taken is one of the window's (see save).
    const window: { starts: number; running: number; at: number; way?: WayState } = { starts: this.tree.starts, running: this.running, at: Date.now() };
    // A requirement's key names its inputs as they were when it was taken (or when it ended): a command that ran since
    // may have rewritten them (a dependent of it, another check), and the check would run on other files than those
    // its key names. Its dependents then get a key that never repeats.
    const requires = await Promise.all(
      check.requires.map(async (id) => {
        const key = (await this.results.get(id)) ?? `absent:${id}`;
        return [id, (await this.holds([id], signal)) ? key : `unknown:${randomUUID()}`] as const;
      }),
    );
    const keyOf = (inputs: string): string =>
      cacheKey({
        version: this.options.version,
        build: buildIdentity(),
        platform: process.platform,
        arch: process.arch,
        nodeMajor: Number(process.versions.node.split('.')[0]),
        id: check.id,
        spec: this.spec(check, timeoutMs),
        inputs,
        env: check.envInputs.map((name) => [name, this.options.env[name] ?? null] as const),
        // A requirement outside the run (`only`) counts as satisfied; its absence is part of the key.
        requires,
      });
    // A rerun of an unchanged tree: the inputs' digest as an earlier run left it, and the stored result under its key.
    // On a miss the check runs: its inputs are then matched and taken as usual, to tell whether they change meanwhile.
    // Taken before a command that started by the check's turn (before the first one, or after one but before another),
    // or while one ran (it may write and end without another starting): that command may have edited a file git vouched
    // for, or one the stat cache knew, since. Taken anew, as for a check with requirements: its files are then looked
    // at. A rerun where every check is a hit starts no command and keeps it.
    let early = await this.early(check);
    if (early !== undefined && (early.starts !== this.tree.starts || early.running > 0)) early = undefined;
    // Once a command started, one may have created files in the check's folders since the run listed them (a
    // generated file, absent after every checkout): they are looked for, and neither what was taken before nor
    // remembered inputs hold then.
    // Which folder each one above the check's folders is, before the look that lists them again if one was switched:
    // the files the key names are those of these folders (see sameFiles).
    window.way = this.tree.wayState(check.inputs);
    const created = await this.tree.created(check.inputs, signal);
    if (created.length > 0) early = undefined;
    const recalled = early !== undefined ? early.digest : this.options.read && created.length === 0 ? await this.tree.recall(check.inputs) : undefined;
    if (recalled !== undefined) {
      const key = keyOf(recalled);
      const hit = this.store.read(key);
      if (hit?.id === check.id) return { key, snapshot: undefined, hit, storable: false, digest: recalled, window };
    }
    const paths = early?.paths ?? this.tree.matchWith(check.inputs, created);
    const snapshot = early?.snapshot ?? (await this.tree.snapshot(paths, signal));
    if (snapshot === undefined) return undefined;
    const digest = inputsDigest(snapshot.digests);
    this.tree.remember(check.inputs, paths, snapshot, digest);
    return { key: keyOf(digest), snapshot, storable: true, paths, window };
  }

  /**
   * What `check`'s inputs came to before a command of the run started, for a cacheable check without requirements:
   * those of every such check are taken together when the first key is asked for — the digest remembered for this
   * listing, else the files matched and their snapshot when none needs reading. Then a file git vouched for needs no
   * look when the check's turn comes, as long as no command of the run was running when they were taken and none
   * started since (else they are taken anew: a check that ran meanwhile may have edited one). Undefined for a check
   * with requirements: its inputs are taken when its turn comes.
   */
  private async early(check: ResolvedCheck): Promise<Early | undefined> {
    const roots = this.options.checks;
    if (check.requires.length > 0 || roots === undefined) return undefined;
    this.primed ??= this.prime(roots).catch((error: unknown) => {
      // Each check's inputs are then taken at its turn, as for a check with requirements; the failure is reported
      // (not the run's stop: that is no failure of the cache).
      if (this.signal?.aborted !== true) this.primeFailure = error;
      return new Map<ResolvedCheck, Early>();
    });
    const taken = await this.primed;
    const early = taken.get(check);
    // Once: a check asked again takes its inputs anew.
    taken.delete(check);
    return early;
  }

  /** What the cacheable checks without requirements among `roots` come to now (see {@link RunCache.early}). */
  private prime(roots: readonly ResolvedCheck[]): Promise<Map<ResolvedCheck, Early>> {
    return (async () => {
      const early = new Map<ResolvedCheck, Early>();
      // Under the run's signal: once it stopped the listing, none is asked again for the run.
      await this.tree.start(this.signal);
      const rest: ResolvedCheck[] = [];
      for (const root of roots) {
        if (root.requires.length > 0 || !isCacheable(root)) continue;
        const digest = this.options.read ? this.tree.recallNow(root.inputs) : undefined;
        if (digest === undefined) rest.push(root);
        else early.set(root, { digest, starts: this.tree.starts, running: this.running });
      }
      // Those keyed later whose inputs this listing does not recall (a probe: their own recall comes with their turn).
      const later = roots.filter((other) => other.requires.length > 0 && isCacheable(other) && this.tree.recallNow(other.inputs) === undefined);
      if (rest.length === 0 && later.length === 0) return early;
      // The records below each check's folders parsed (the whole listing for a glob that may select a file anywhere).
      const unread: string[] = [];
      for (const root of rest) {
        const paths = this.tree.matchNow(root.inputs);
        const snapshot = this.tree.snapshotNow(paths);
        const when = { starts: this.tree.starts, running: this.running };
        early.set(root, snapshot === undefined ? when : { paths, snapshot, ...when });
        if (snapshot === undefined) for (const path of paths) unread.push(path);
      }
      // The files of the checks that must read some, and of those keyed later: hashed while the first checks run.
      // One at a time: a spread of a big folder's paths would pass more arguments than a call takes.
      for (const other of later) for (const path of this.tree.matchNow(other.inputs)) unread.push(path);
      void this.tree.hashAhead(unread);
      return early;
    })();
  }

  /**
   * Resolves once a command of the run may start: which file each of git's rule files is has been taken beside the
   * run's listing (or that failed: later looks then list the files again). Await it before each
   * {@link RunCache.starting}, for every command (a check that is no hit, one that is not cacheable): any command may
   * switch a link or rename a folder on the way to a rule file, and one that did so between git's read for the listing
   * and that look would leave the change unseen and a later check's pass replayed stale. At once when no listing was
   * started, or once it was taken; a hit starts no command and waits for nothing. Rejects with `signal`'s reason (the
   * check's) once it aborts first, its listener removed.
   */
  beforeCommand(signal?: AbortSignal): Promise<void> {
    return this.tree.rulesTaken(signal);
  }

  /** A command of the run is about to start (a check that is no hit, or not cacheable): it may edit files. */
  starting(): void {
    this.tree.disturbed();
    this.running++;
  }

  /**
   * A command of the run ended, whatever its end (passed, failed, cancelled): it no longer counts as running beside a
   * check being stored. Call once for each {@link RunCache.starting}, before {@link RunCache.save}.
   */
  ended(): void {
    this.running = Math.max(0, this.running - 1);
  }

  /**
   * The stored result under the ticket's key, when reading is on and there is a whole one for this check. On a miss
   * the check is about to run: the states of its inputs are taken now, to tell after it whether one changed.
   */
  lookup(check: ResolvedCheck, ticket: CacheTicket): CacheEntry | undefined {
    if (ticket.hit !== undefined) {
      this.options.shared?.share(check.id, ticket.key, ticket.hit);
      ticket.replayed = true;
      return ticket.hit;
    }
    // A snapshot taken before the first command, when one started since it (between the key and this look): its
    // vouched files are looked at after all.
    if (ticket.snapshot?.quiet === true && !this.tree.undisturbed) ticket.snapshot.quiet = false;
    // A file git vouched for that changed since it was asked (by a check that ran before this one, an agent) may hold
    // other content than the blob the key names: no hit, here or in the shared cache (the ticket says so to every
    // later look), and the check runs.
    if (ticket.snapshot === undefined || !this.tree.vouchedIntact(ticket.snapshot)) ticket.storable = false;
    const entry = this.options.read && ticket.storable ? this.store.read(ticket.key) : undefined;
    if (entry?.id === check.id) {
      // Another machine may lack it: the shared cache gets it, off the run's path.
      this.options.shared?.share(check.id, ticket.key, entry);
      ticket.replayed = true;
      return entry;
    }
    if (!this.sharing && ticket.snapshot !== undefined) ticket.storable &&= this.tree.settle(ticket.snapshot);
    return undefined;
  }

  /** Whether a local miss is to be looked up in the shared cache ({@link RunCache.lookupShared}). */
  get sharing(): boolean {
    return this.options.shared !== undefined && this.options.read;
  }

  /**
   * After a local miss: the shared cache's entry (stored locally too), else undefined and the check is about to run —
   * perhaps holding its claim, after waiting at most `waitMs` for another run that held it.
   */
  async lookupShared(check: ResolvedCheck, ticket: CacheTicket, waitMs: number, signal?: AbortSignal): Promise<CacheEntry | undefined> {
    // The key may not name the files as they are ({@link RunCache.lookup} found a vouched file changed): no entry of
    // another machine under it is theirs either, and no claim is taken for it.
    if (!ticket.storable) return undefined;
    const found = this.options.shared === undefined ? undefined : await this.options.shared.find(check.id, ticket.key, waitMs, signal);
    if (found !== undefined && 'entry' in found) {
      this.store.write(ticket.key, found.entry);
      ticket.replayed = true;
      return found.entry;
    }
    if (found !== undefined && 'claim' in found) ticket.claim = found.claim;
    ticket.storable = ticket.snapshot !== undefined && this.tree.settle(ticket.snapshot);
    return undefined;
  }

  /** Once the check ran (whatever its end): its stored result goes to the shared cache, and its claim is freed. */
  release(ticket: CacheTicket): void {
    // The store is still deciding: what it stores (or nothing) goes out once it has.
    if (ticket.saving !== undefined) {
      const { saving } = ticket;
      ticket.saving = undefined;
      this.track(saving.then(() => this.release(ticket)));
      return;
    }
    const { shared } = this.options;
    if (ticket.claim !== undefined) void ticket.claim.complete(ticket.saved);
    else if (shared !== undefined && ticket.saved !== undefined) void shared.write(ticket.key, ticket.saved);
    ticket.claim = undefined;
    ticket.saved = undefined;
  }

  /**
   * Records the result of a passed or warned check for its dependents' keys. A cacheable check whose key could not be
   * made (an input that cannot be hashed, an error), or that ran while its key may not name the files it ran on (the
   * same test as a store's: a file git vouched for changed before it started, an input changed while it ran, a file
   * its inputs match appeared or a folder of them moved meanwhile), gives a key that never repeats: what its
   * dependents read may be other than what the key names, so they miss. Call it once the check's command ended,
   * before {@link RunCache.save}. Aborting `signal` (the run's) stops the git it may wait for: the key then never repeats.
   */
  done(record: CheckRecord, ticket: CacheTicket | undefined, timeoutMs: number | null, signal?: AbortSignal): void {
    const { check } = record;
    const unknown = (): string => `unknown:${randomUUID()}`;
    if (ticket === undefined) {
      this.results.set(check.id, isCacheable(check) ? unknown() : uncachedResultKey(check.id, this.spec(check, timeoutMs), record.status, record.extracted));
      return;
    }
    // A replayed result was stored for the files its key names, and found for them as they are.
    if (ticket.replayed === true) {
      this.results.set(check.id, ticket.key);
      // As found when its key was taken: a command that started by then, or was running, may have written them since.
      const window = ticket.window ?? { starts: -1, running: 1 };
      this.guards.set(check.id, { check, ticket, starts: window.starts, running: window.running, broken: false });
      return;
    }
    const mark = { starts: this.tree.starts, running: this.running };
    const named = this.named(record.check, ticket, signal);
    ticket.named = named;
    // Its verdict covers its inputs up to now (its end); a command that starts from now on may rewrite them.
    this.guards.set(check.id, { check, ticket, ...mark, broken: named === false });
    const { key } = ticket;
    this.results.set(check.id, typeof named === 'boolean' ? (named ? key : unknown()) : named.then((same) => (same ? key : unknown())));
  }

  /**
   * Whether the ticket's key names the files `check` ran on, once its command ended: no file git vouched for changed
   * before it started, none of its files changed while it ran, and — when another command of the run started or was
   * running between the key and its end, which may have created a file the inputs match (the key does not name it,
   * the check may have read it) — the files listed again are those of the key. Never rejects.
   */
  private named(check: ResolvedCheck, ticket: CacheTicket, signal?: AbortSignal): boolean | Promise<boolean> {
    if (!ticket.storable || ticket.snapshot === undefined || !this.tree.unchanged(ticket.snapshot)) return false;
    const { window, paths } = ticket;
    // Its own start is one; others, or one running when it was keyed, may have written its folders meanwhile.
    const alone = window !== undefined && window.running === 0 && this.tree.starts - window.starts <= 1;
    const own = alone ? true : this.sameFiles(check, paths, window?.at, signal, window?.way).catch(() => false);
    if (check.requires.length === 0) return own;
    // The key names its requirements' inputs through their keys: the check itself, or a command beside it, may have
    // rewritten them while it ran.
    const required = this.holds(check.requires, signal);
    return Promise.all([own, required]).then(([same, held]) => same && held);
  }

  /**
   * Whether the inputs of the checks `ids` and of their requirements, all the way down, are still what the keys they
   * handed their dependents name. Looked at only when a command started, or was running, since each was last found
   * so: a rerun where no command runs looks at nothing. Never rejects; false once `signal` stopped a look.
   */
  private async holds(ids: readonly string[], signal?: AbortSignal): Promise<boolean> {
    const guards: Guard[] = [];
    const seen = new Set<string>();
    const queue = [...ids];
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      const guard = seen.has(id) ? undefined : this.guards.get(id);
      seen.add(id);
      if (guard === undefined) continue;
      guards.push(guard);
      queue.push(...guard.check.requires);
    }
    // One look at each file and each glob list however many requirements share them: a chain stays linear.
    const look: Look = { stats: new Map(), matched: new Map() };
    // Before any look: what every look of this one found holds at least through it.
    const mark = { starts: this.tree.starts, running: this.running };
    for (const guard of guards) {
      if (guard.broken) return false;
      if (guard.starts === mark.starts && guard.running === 0) continue;
      const held = await this.still(guard.check, guard.ticket, look, signal).catch(() => false);
      if (!held) {
        guard.broken = true;
        return false;
      }
      if (mark.starts >= guard.starts) Object.assign(guard, mark);
    }
    return true;
  }

  /**
   * Whether the inputs of `check` are still those its ticket's key was computed from: the files it took unchanged (a
   * vouched one not changed since git was asked) and no other matched now, or — for a hit found from remembered
   * inputs — no file created in its folders and the same digest recalled. Unlike {@link RunCache.sameFiles}, its
   * folders' times are not looked at: the check's own command (or one before) may have written there just before it
   * ended, within the file system's time resolution of the look, and every dependent would then miss.
   */
  private async still(check: ResolvedCheck, ticket: CacheTicket, look: Look, signal?: AbortSignal): Promise<boolean> {
    const { snapshot, paths, digest } = ticket;
    const globs = JSON.stringify(check.inputs);
    let matched = look.matched.get(globs);
    if (matched === undefined) {
      const created = await this.tree.created(check.inputs, signal);
      matched = { created: created.length > 0, paths: this.tree.matchWith(check.inputs, created) };
      look.matched.set(globs, matched);
    }
    if (snapshot === undefined) return digest !== undefined && !matched.created && this.tree.recallNow(check.inputs) === digest;
    if (paths === undefined || !this.tree.intact(snapshot, look.stats)) return false;
    const known = new Set(paths);
    return matched.paths.every((path) => known.has(path));
  }

  /**
   * Stores a fresh pass (or warning) under the ticket's key when the key names the files the check ran on (as
   * {@link RunCache.done} decided, else decided now the same way): not when an input changed while it ran (its result
   * may then belong to neither content), nor when a file its inputs match appeared meanwhile (the files are listed
   * again when another command of the run started or was running between the key and the check's end). Resolves
   * whether it was stored; never rejects. {@link RunCache.settled} waits for it. Aborting `signal` (the run's) stops
   * the git it may wait for: nothing is stored then.
   */
  save(record: CheckRecord, ticket: CacheTicket, signal?: AbortSignal): Promise<boolean> {
    if (record.status !== 'passed' && record.status !== 'warned') return Promise.resolve(false);
    const named = ticket.named ?? this.named(record.check, ticket, signal);
    if (named === false) return Promise.resolve(false);
    const entry: CacheEntry = {
      id: record.check.id,
      status: record.status,
      exitCode: record.exitCode,
      durationMs: record.durationMs,
      attempts: record.attempts,
      extracted: record.extracted,
      outputTail: record.outputTail,
      outputBytes: record.outputBytes,
      storedAt: record.endedAt ?? Date.now(),
      ...(record.failure !== undefined ? { failure: record.failure } : {}),
    };
    if (named === true) return Promise.resolve(this.write(ticket, entry));
    const saving = named.then(
      (same) => same && this.write(ticket, entry),
      () => false,
    );
    ticket.saving = saving;
    this.track(saving);
    return saving;
  }

  /**
   * Whether the inputs of `check` match no file now that `paths` (the files its key was computed from) do not hold,
   * and none of its folders moved since the key (`since`): a file created and deleted meanwhile is gone from the
   * listing, yet the check may have read it.
   */
  private async sameFiles(check: ResolvedCheck, paths: readonly string[] | undefined, since: number | undefined, signal?: AbortSignal, way?: WayState): Promise<boolean> {
    if (paths === undefined || since === undefined || (await this.tree.movedSince(check.inputs, since, signal, way))) return false;
    const now = this.tree.matchWith(check.inputs, await this.tree.created(check.inputs, signal));
    const known = new Set(paths);
    return now.every((path) => known.has(path));
  }

  /** Writes `entry` under the ticket's key (and keeps it for the shared cache); whether it was written. */
  private write(ticket: CacheTicket, entry: CacheEntry): boolean {
    if (this.options.shared !== undefined) ticket.saved = entry;
    const written = this.store.write(ticket.key, entry);
    if (written) this.stored++;
    return written;
  }

  /** Keeps `work` until it settles, for {@link RunCache.settled}. */
  private track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves once every store {@link RunCache.save} began has decided (and its shared-cache write has gone out). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Why passes of this run could not be stored (the store's disk is full, a quota...), as one entry of the report's
   * `write_errors`: the checks ran and passed all the same, and run again next time. Undefined when every write went.
   */
  writeError(): { file: string; error: string } | undefined {
    const failure = this.store.writeFailure();
    if (failure === undefined) return undefined;
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    return { file: this.store.folder, error: `${message} (${failure.count === 1 ? '1 pass' : `${failure.count} passes`} not stored: ${failure.count === 1 ? 'its check runs' : 'their checks run'} again next time)` };
  }

  /**
   * The key of `check` could not be computed (an unexpected error, not the run's abort): it runs without the cache,
   * neither replayed nor stored, and {@link RunCache.warnings} reports it.
   */
  keyFailed(check: Pick<ResolvedCheck, 'id'>, error: unknown): void {
    this.keyFailures.push({ id: check.id, error });
  }

  /**
   * What the cache could not do for this run, for the report's `cache_warnings`: the checks whose key could not be
   * computed (they ran without the cache: not replayed, not stored), the inputs that match no file, and inputs of the
   * checks without requirements that could not be taken together before the first command (each was then taken at
   * its turn, and the stat cache may miss what they would have added). Empty when nothing went wrong.
   */
  warnings(): CacheWarning[] {
    const warnings: CacheWarning[] = [];
    for (const { id, error } of this.keyFailures) {
      // A reason fanout gives in its own words, else the unexpected error's class and message.
      const known = error instanceof FanoutError ? error : undefined;
      const reason = known !== undefined ? known.message : describe(error);
      warnings.push({ kind: 'uncached', checks: [id], ...(known !== undefined ? { code: known.code } : {}), message: `${id} runs uncached: ${reason}` });
    }
    for (const globs of this.tree.unmatched()) {
      const ids = (this.options.checks ?? []).filter((check) => JSON.stringify(check.inputs) === JSON.stringify(globs)).map((check) => check.id);
      const list = globs.map((glob) => JSON.stringify(glob)).join(', ');
      warnings.push({
        kind: 'inputs-match-nothing',
        checks: ids,
        inputs: [...globs],
        message: `inputs of ${ids.length > 0 ? ids.join(', ') : 'a check'} (${list}) match no file (a folder reached through a link is not followed): no change is ever noticed`,
      });
    }
    if (this.primeFailure !== undefined) {
      warnings.push({
        kind: 'inputs-taken-late',
        checks: [],
        message: `the inputs of the checks without requirements could not be taken ahead (${describe(this.primeFailure)}): each was taken at its turn`,
      });
    }
    return warnings;
  }

  /** Replays a stored result into the check's record. */
  static replay(record: CheckRecord, entry: CacheEntry, now = Date.now()): void {
    record.status = entry.status;
    record.exitCode = entry.exitCode;
    record.signal = null;
    record.durationMs = entry.durationMs;
    record.attempts = entry.attempts;
    record.extracted = { ...entry.extracted };
    record.outputTail = [...entry.outputTail];
    record.outputBytes = entry.outputBytes;
    record.startedAt = now;
    record.endedAt = now;
    record.cached = { storedAt: entry.storedAt };
    if (entry.failure !== undefined) record.failure = entry.failure as FailureReason;
  }

  /** At the end of the run: the stat cache written back, and the store trimmed to its bound when it grew. */
  finish(): void {
    this.tree.stopAhead();
    this.tree.save();
    if (this.stored > 0) this.store.trim(this.options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  }
}
