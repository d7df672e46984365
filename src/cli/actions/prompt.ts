// `fanout prompt [id]`: list the config's prompts, or print one (VibeGuard's).
import { didYouMean } from '../../config/suggest.js';
import { UsageError } from '../errors.js';
import { loadForCommand } from '../load-config.js';
import type { CommonOptions } from '../options.js';
import { print, printErr, printJson } from '../terminal.js';

export async function promptCommand(id: string | undefined, options: CommonOptions): Promise<number> {
  const config = await loadForCommand(options);
  if (id !== undefined) {
    const prompt = config.prompts.find((p) => p.id === id);
    if (!prompt) {
      const known = config.prompts.map((p) => p.id);
      throw new UsageError(`unknown prompt "${id}"${didYouMean(id, known)}${known.length === 0 ? ' (the config defines no prompts)' : ''}`);
    }
    if (options.json) printJson(prompt);
    else print(prompt.content.endsWith('\n') ? prompt.content : `${prompt.content}\n`);
    return 0;
  }
  if (options.json) {
    printJson(config.prompts);
    return 0;
  }
  if (config.prompts.length === 0) {
    printErr('fanout: the config defines no prompts\n');
    return 0;
  }
  const width = Math.max(...config.prompts.map((p) => p.id.length));
  const lines = config.prompts.map((p) => `${p.id.padEnd(width)}  ${p.description ?? ''}${p.tags.length > 0 ? ` [${p.tags.join(', ')}]` : ''}`.trimEnd());
  print(`${lines.join('\n')}\n`);
  return 0;
}
