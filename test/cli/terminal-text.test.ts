/* eslint-disable no-control-regex -- the point of these tests is control characters */
// What may reach a terminal: stripControls removes every escape sequence and control character (tab and newline
// stay), in one pass; print() keeps only the colours of fanout's own styles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHumanReporter, findingBlock, verboseLine } from '../../src/cli/reporters/human.js';
import type { ReportCheck, RunReport } from '../../src/checks/report.js';
import { styleFor } from '../../src/cli/style.js';
import { jsonText, LogCopy, terminalText } from '../../src/cli/terminal.js';
import { stripAnsi, stripControls, unfinishedEscape } from '../../src/common/text.js';

/** Any control character but tab and newline: C0, DEL, C1. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('stripControls', () => {
  it.each([
    ['OSC 52 (clipboard) with BEL', 'a\x1b]52;c;ZWNobyBwd25lZA==\x07b', 'ab'],
    ['OSC with ST', 'a\x1b]0;title\x1b\\b', 'ab'],
    ['OSC with C1 ST', 'a\x1b]0;title\x9cb', 'ab'],
    ['C1 OSC', 'a\x9d0;title\x07b', 'ab'],
    ['screen clear', 'a\x1b[2Jb', 'ab'],
    ['C1 CSI', 'a\x9b2Jb', 'ab'],
    ['CSI with private and intermediate bytes', 'a\x1b[?1049hb\x1b[1 qc', 'abc'],
    ['SGR', '\x1b[1;31mred\x1b[0m', 'red'],
    ['DCS', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['APC, PM, SOS', 'a\x1b_x\x1b\\b\x1b^y\x07c\x1bXz\x9cd', 'abcd'],
    ['C1 DCS and APC', 'a\x90x\x9cb\x9fy\x07c', 'abc'],
    ['two-character escapes (reset, save cursor, charset)', 'a\x1bcb\x1b7c\x1b(Bd', 'abcd'],
    ['lone ESC in the middle and at the end', 'a\x1b\x1b[1mb\x1b', 'ab'],
    ['BEL, backspace, carriage return, DEL, NUL', 'a\x07b\x08c\rd\x7fe\x00f', 'abcdef'],
    ['other C1 controls', 'a\x85b\x8ec\x9cd', 'abcd'],
    ['CAN and SUB end a string', 'a\x1b]0;x\x18b\x1bPy\x1ac', 'abc'],
    ['an unterminated string ends with its line', 'a\x1b]0;title\nb', 'a\nb'],
    ['a sequence cut by a character that cannot continue it', 'a\x1b[12\nb', 'a\nb'],
    ['ESC inside a string ends it and starts its own sequence', 'a\x1b]0;x\x1b[2Jb', 'ab'],
  ])('%s', (_name, input, expected) => {
    expect(stripControls(input)).toBe(expected);
  });

  it('keeps tab, newline and every printable character', () => {
    const text = 'a\tb\n✓ ünïcödé 😀 \u00a0\u00ff\ue000';
    expect(stripControls(text)).toBe(text);
  });

  it('stripAnsi removes the sequences but keeps the other controls (carriage returns for the output tail)', () => {
    expect(stripAnsi('a\x1b[2J\rb\x9b1mc\x07\x1b]52;c;eA==\x07')).toBe('a\rbc\x07');
  });

  it('never leaves a control character but tab and newline', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\x1b', '\x9b', '\x9d', '\x07', '\r', '\n', '\t', '[', ']', '\\', 'P', '_', '2', ';', 'J', 'm', 'a', 'é', '\x9c', '\x18', '\x00', '\x7f') }), (text) => {
        expect(stripControls(text)).not.toMatch(CONTROL);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(stripControls(text)).not.toMatch(CONTROL);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives line by line what it gives on the whole text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('\x1b', '\x9b', '\x9d', '\x07', '\r', '[', ']', '\\', '2', 'J', 'a') })), (lines) => {
        expect(stripControls(lines.join('\n'))).toBe(lines.map(stripControls).join('\n'));
      }),
    );
  });

  it('is linear: a megabyte of unterminated sequences of every kind takes about as long as plain text', () => {
    const size = 1 << 20;
    const shapes = ['\x1b]', '\x1b[', '\x9b1;', '\x1bP', '\x1b', 'a'];
    const time = (text: string) => {
      const start = performance.now();
      stripControls(text);
      return performance.now() - start;
    };
    const plain = time('a'.repeat(size * 2));
    for (const shape of shapes) {
      const text = shape.repeat(Math.ceil((size * 2) / shape.length));
      // A quadratic pass over 2 MB would take minutes; the bound is generous for a loaded machine.
      expect(time(text)).toBeLessThan(Math.max(2_000, plain * 200));
    }
  });
});

describe('terminalText', () => {
  it('keeps the colours of an enabled style and nothing else', () => {
    const style = styleFor({ isTTY: true }, undefined);
    const text = terminalText(`${style.red('FAIL')} \x1b[31mforged\x1b[0m \x1b]52;c;eA==\x07${style.dim('x')}\n`);
    expect(text).toBe('\x1b[31mFAIL\x1b[39m forged \x1b[2mx\x1b[22m\n');
  });

  it('a check cannot forge a style: the tokens are random per process', () => {
    const style = styleFor({ isTTY: true }, undefined);
    const token = style.red('');
    expect(token).not.toContain('\x1b');
    // What a check could print: the private-use characters of any other key.
    expect(terminalText('\ue000\ue000\ue000\ue000\ue000\ue000\ue000\ue00031mX')).not.toContain('\x1b');
  });
});

describe('the human reporters through print()', () => {
  /** Text a check could produce: escape-heavy and arbitrary. */
  const hostile = fc.oneof(
    fc.string({ unit: fc.constantFrom('\x1b', '\x9b', '\x9d', '\x90', '\x07', '\r', '\n', '\t', '[', ']', '\\', 'P', '2', ';', 'J', 'm', '31', 'a', '\x9c', '\x00', '\x7f', '\ue000') }),
    fc.string({ unit: 'binary' }),
  );
  const check = fc.record({ reason: hostile, suggestion: hostile, fix: hostile, tail: fc.array(hostile, { maxLength: 3 }), value: hostile, prompt: hostile, log: hostile }).map(
    (t): ReportCheck => ({
      id: 'hostile',
      status: 'failed',
      severity: 'error',
      tags: [],
      requires: [],
      command: 'x',
      exit_code: 1,
      signal: null,
      duration_ms: 1,
      attempts: 2,
      passed_after_retry: false,
      reason: t.reason,
      reason_code: 'exit-code',
      extracted: { v: t.value },
      suggestion: t.suggestion,
      fix: t.fix,
      output_tail: t.tail,
      output_bytes: 1,
      log_file: t.log,
      skip_reason: null,
      started_at: null,
      ended_at: null,
      triggered_prompts: [{ id: null, content: t.prompt }],
    }),
  );
  /** The human reporter's final report of a run of the one check. */
  const finalReport = (c: ReportCheck, style: ReturnType<typeof styleFor>) => {
    let text = '';
    const report = { checks: [c], exit_code: 1, duration_ms: 5, fail_fast_triggered: false, root_failure: null, interrupted: null, max_time_exceeded: false } as unknown as RunReport;
    void createHumanReporter({ write: (chunk) => (text += chunk), style, summaryOnSuccess: true }).end?.(report);
    return text;
  };
  const render = (c: ReportCheck, colour: boolean) => {
    const style = styleFor({ isTTY: colour }, undefined);
    return terminalText([verboseLine(c, style), ...findingBlock(c, style), finalReport(c, style)].join('\n'));
  };

  it('colour off: no control character but tab and newline', () => {
    fc.assert(
      fc.property(check, (c) => {
        expect(render(c, false)).not.toMatch(CONTROL);
      }),
      { numRuns: 500 },
    );
  });

  it('colour on: fanout’s own SGR codes and nothing else', () => {
    fc.assert(
      fc.property(check, (c) => {
        const out = render(c, true);
        expect(out).toContain('\x1b[31m');
        expect(out.replace(/\x1b\[(?:1|2|22|31|32|33|39)m/g, '')).not.toMatch(CONTROL);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsonText', () => {
  it('escapes C0, DEL, C1 and the line separators; the value parses back unchanged', () => {
    const value = { v: 'a\x1b]52;c;eA==\x07\x9b2J\x7f\u2028\r' };
    const json = jsonText(value, 2);
    expect(json).not.toMatch(CONTROL);
    expect(json).toContain('\\u009b');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('LogCopy', () => {
  const sink = (isTTY: boolean) => {
    const chunks: Array<string | Uint8Array> = [];
    return { chunks, stream: { isTTY, write: (chunk: string | Uint8Array) => chunks.push(chunk) } as unknown as NodeJS.WriteStream };
  };

  it('on a terminal, strips a sequence or a character cut between two reads', () => {
    const { chunks, stream } = sink(true);
    const copy = new LogCopy(stream);
    const bytes = Buffer.from('ok \x1b]52;c;ZWNobyBwd25lZA==\x07é\x1b[2Jdone\n');
    for (let i = 0; i < bytes.length; i += 3) copy.write(bytes.subarray(i, i + 3));
    copy.end();
    expect(chunks.join('')).toBe('ok édone\n');
  });

  it('elsewhere, copies the bytes unchanged', () => {
    const { chunks, stream } = sink(false);
    const copy = new LogCopy(stream);
    copy.write(Buffer.from('\x1b[31mred\x1b[0m\n'));
    copy.end();
    expect(Buffer.concat(chunks as Uint8Array[]).toString()).toBe('\x1b[31mred\x1b[0m\n');
  });

  it('holds back only what more text could still continue', () => {
    expect(unfinishedEscape('a\x1b[31')).toBe(1);
    expect(unfinishedEscape('a\x1b[31m')).toBe(6);
    expect(unfinishedEscape('a\x1b]0;t')).toBe(1);
    expect(unfinishedEscape('a\x1b]0;t\x07b')).toBe(8);
    expect(unfinishedEscape('a\x1b')).toBe(1);
    expect(unfinishedEscape('a\x1b]0;t\nb')).toBe(8);
  });
});
