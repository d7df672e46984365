// `fanout merge-reports a.json b.json … [-o FILE]`: joins the JSON reports of `fanout check --shard i/n --json`
// into one report (stdout, or FILE) and exits with the merged exit code.
import { readFileSync, writeFileSync } from 'node:fs';
import { DistributedError, mergeReports, type ShardReport } from '../../distributed/index.js';
import { messageOf } from '../../common/errors.js';
import { UsageError } from '../errors.js';
import { jsonText, printErr, printJsonText } from '../terminal.js';

export interface MergeReportsCommandOptions {
  /** Write the merged report here instead of stdout. */
  output?: string | undefined;
  /** Check ids in config order (e.g. from the loaded config); merged checks follow it. */
  order?: readonly string[] | undefined;
}

/** Reads, merges and prints; returns the merged exit code. Bad files are usage errors (exit 2, no stack trace). */
export function mergeReportsCommand(files: readonly string[], options: MergeReportsCommandOptions = {}): number {
  if (files.length === 0) throw new UsageError('merge-reports needs at least one report file');
  const reports = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
    }
    try {
      return JSON.parse(text) as ShardReport;
    } catch (error) {
      throw new UsageError(`${file} is not JSON: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
    }
  });
  let merged: ShardReport;
  try {
    merged = mergeReports(reports, options.order === undefined ? {} : { order: options.order });
  } catch (error) {
    if (error instanceof DistributedError) {
      // Report numbers in messages are 1-based positions: name the files instead.
      const message = error.message.replace(/report (\d+)/g, (_, n: string) => files[Number(n) - 1] ?? `report ${n}`);
      throw new UsageError(message, 'ERR_USAGE', { cause: error });
    }
    throw error;
  }
  const json = `${jsonText(merged, 2)}\n`;
  if (options.output === undefined) printJsonText(json);
  else {
    writeFileSync(options.output, json);
    const counts = merged.counts;
    printErr(`merged ${files.length} reports: ${counts.total ?? merged.checks.length} checks, exit code ${merged.exit_code}\n`);
  }
  return merged.exit_code;
}
