// The one way out of the CLI: every text fanout prints for people goes through print(), every JSON document through
// printJson(). What a check printed, the values grok took from it, a config's text, a run's journal: none of it
// reaches a terminal with an escape sequence or a control character in it (an output could otherwise clear the
// screen, retitle the window or write the clipboard with OSC 52), whatever the caller forgot.
import { StringDecoder } from 'node:string_decoder';
import { randomBytes } from '../common/random.js';
import { stripControls, unfinishedEscape } from '../common/text.js';

/**
 * Fanout's own colours cannot be told from a check's by looking at the text, so a style writes each of them as this
 * key (8 private-use characters drawn at random per process: no output can guess it) and its SGR code; print()
 * strips the text, then turns the keys back into escape codes. Nothing else can produce an escape code.
 */
const KEY = String.fromCharCode(...Array.from(randomBytes(8), (byte) => 0xe000 + byte));
const TOKEN = /^(\d{1,2})m/;

/** A placeholder for `ESC [ code m` that only {@link terminalText} turns into the escape code. */
export function sgr(code: number): string {
  return `${KEY}${code}m`;
}

/** `text` as it may reach a terminal: without escape sequences or control characters but fanout's own colours. */
export function terminalText(text: string): string {
  const clean = stripControls(text);
  if (!clean.includes(KEY)) return clean;
  const parts = clean.split(KEY);
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const token = TOKEN.exec(part);
    out += token === null ? part : `\x1b[${token[1]}m${part.slice(token[0].length)}`;
  }
  return out;
}

/** A stream fanout writes to: process.stdout, process.stderr, or a test's stand-in. */
export interface Out {
  write(text: string): unknown;
}

/** Prints text for people on `stream` (default stdout), made safe by {@link terminalText}. */
export function print(text: string, stream: Out = process.stdout): void {
  stream.write(terminalText(text));
}

/** {@link print} on stderr. */
export function printErr(text: string): void {
  print(text, process.stderr);
}

import { jsonText } from '../common/text.js';
export { jsonText };

/** Prints `value` as a JSON document (indented by 2) and a newline on stdout. */
export function printJson(value: unknown): void {
  printJsonText(`${jsonText(value, 2)}\n`);
}

/** Prints JSON made by {@link jsonText} (a document or an NDJSON line) unchanged on stdout. */
export function printJsonText(json: string): void {
  process.stdout.write(json);
}

/** Uses of process.stdout waiting for Node to make it (see {@link whenStdoutMade}); undefined: none waits. */
let waiting: Array<(stream: NodeJS.WriteStream) => void> | undefined;
/** process.stdout was read since {@link whenStdoutMade} first waited: every later use runs at once. */
let made = false;

/**
 * Runs `use` with process.stdout once the stream exists, without making it (at once when it exists already). Node
 * makes it on the first read of process.stdout: about 1.5 ms of CPU for a pipe that `fanout check` would otherwise
 * spend before its first check starts instead of while it runs. Nothing can be written
 * to the stream before it is made, so an `error` listener added then misses nothing. Call it before anything reads
 * process.stdout; a use waits only where process.stdout is Node's own lazy, configurable getter.
 *
 * @returns a function taking back a use still waiting (true), or saying that it ran (false)
 */
export function whenStdoutMade(use: (stream: NodeJS.WriteStream) => void): () => boolean {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  const get = own?.get?.bind(process);
  if (made || own === undefined || get === undefined || own.configurable !== true) {
    use(process.stdout);
    return () => false;
  }
  if (waiting === undefined) {
    const uses: Array<(stream: NodeJS.WriteStream) => void> = (waiting = []);
    Object.defineProperty(process, 'stdout', {
      configurable: true,
      enumerable: own.enumerable === true,
      get() {
        // Node's getter back first: a use that reads process.stdout gets the stream, not this getter again.
        Object.defineProperty(process, 'stdout', own);
        made = true;
        waiting = undefined;
        const stream = get() as NodeJS.WriteStream;
        // Emptied as they run: a use taken back later finds itself gone and says it ran (its own clean-up is due).
        for (const each of uses.splice(0)) each(stream);
        return stream;
      },
    });
  }
  const uses = waiting;
  uses.push(use);
  return () => {
    const at = uses.indexOf(use);
    if (at === -1) return false;
    uses.splice(at, 1);
    return true;
  };
}

/** Calls `done` once everything written to `stream` so far has been handed to the system (it writes nothing). */
export function afterWritten(stream: NodeJS.WriteStream, done: () => void): void {
  stream.write('', done);
}

/** Longest end of a read held back as an unfinished escape sequence: a longer one is stripped as it stands. */
const HOLD_MAX = 64 * 1024;

/**
 * Copies a check's log to stdout as it grows (`fanout logs`): on a terminal stripped like everything else (a read
 * may end inside a UTF-8 character or an escape sequence: that part waits for the next read), elsewhere (a pipe, a
 * file) the bytes unchanged, as the check wrote them.
 */
export class LogCopy {
  private readonly decoder: StringDecoder | undefined;
  private held = '';
  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout) {
    this.decoder = stream.isTTY === true ? new StringDecoder('utf8') : undefined;
  }

  write(bytes: Uint8Array): void {
    if (this.decoder === undefined) {
      this.stream.write(bytes);
      return;
    }
    const text = this.held + this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    let cut = unfinishedEscape(text);
    if (text.length - cut > HOLD_MAX) cut = text.length;
    this.held = text.slice(cut);
    if (cut > 0) this.stream.write(stripControls(text.slice(0, cut)));
  }

  /** Writes what was held back: the log has ended. */
  end(): void {
    if (this.decoder === undefined) return;
    const text = this.held + this.decoder.end();
    this.held = '';
    if (text !== '') this.stream.write(stripControls(text));
  }
}
