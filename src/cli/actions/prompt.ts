// `fanout prompt [id]`: list the config's prompts, or print one (VibeGuard's). For a vibeguard.* config, exactly as
// VibeGuard: its listing formats, the built-in `init` prompt, the content as written (no newline added) and exit 1 for
// an unknown id.
import { didYouMean } from '../../common/suggest.js';
import type { Prompt, ResolvedConfig } from '../../config/index.js';
import { UsageError } from '../errors.js';
import { loadForCommand } from '../load-config.js';
import type { CommonOptions } from '../options.js';
import { print, printErr, printJson, printJsonText } from '../terminal.js';
import { goJsonText } from './vibeguard-output.js';
import { VIBEGUARD_INIT_PROMPT } from './vibeguard-templates.js';

/** How VibeGuard describes its built-in `init` prompt in listings. */
const BUILT_IN_DESCRIPTION = 'Built-in VibeGuard setup guidance';

export async function promptCommand(id: string | undefined, options: CommonOptions): Promise<number> {
  const config = await loadForCommand(options);
  if (config.vibeguardCompat) return vibeguardPrompt(config, id, options);
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

/** VibeGuard's `prompt`: the config's prompts, then its built-in `init` (which a prompt of the config named `init` overrides). */
function vibeguardPrompt(config: ResolvedConfig, id: string | undefined, options: CommonOptions): number {
  if (id !== undefined) {
    const content = config.prompts.find((p) => p.id === id)?.content ?? (id === 'init' ? VIBEGUARD_INIT_PROMPT : undefined);
    if (content === undefined) {
      printErr(`Error: prompt not found: ${id}\n`);
      return 1;
    }
    print(content);
    return 0;
  }
  const described = (p: Prompt) => (p.description === undefined || p.description === '' ? undefined : p.description);
  if (options.json) {
    // Go's encoding of a map: keys sorted, empty fields left out.
    const entries = config.prompts.map((p) => ({
      ...(described(p) === undefined ? {} : { description: described(p) }),
      id: p.id,
      ...(p.tags.length > 0 ? { tags: p.tags } : {}),
    }));
    printJsonText(goJsonText([...entries, { built_in: true, description: BUILT_IN_DESCRIPTION, id: 'init' }]));
    return 0;
  }
  let text = config.prompts.length > 0 ? `Prompts (${config.prompts.length}):\n\n` : 'Prompts (1 built-in):\n\n';
  for (const p of config.prompts) {
    text += `  ${p.id}\n`;
    if (!options.verbose) continue;
    const description = described(p);
    if (description !== undefined) text += `    Description: ${description}\n`;
    if (p.tags.length > 0) text += `    Tags:        ${p.tags.join(', ')}\n`;
    text += '\n';
  }
  text += '  init (built-in)\n';
  if (options.verbose) text += `    Description: ${BUILT_IN_DESCRIPTION}\n\n`;
  print(text);
  return 0;
}
