// Claude Code hook events, as they arrive on a hook command's stdin (https://docs.claude.com/en/docs/claude-code/hooks).
import { isAbsolute, resolve } from 'node:path';

export interface HookEvent {
  hook_event_name?: string;
  session_id?: string;
  cwd?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_response?: Record<string, unknown>;
  /** Stop / SubagentStop: true when Claude is already continuing because of a stop hook (do not loop). */
  stop_hook_active?: boolean;
}

/** Parses the event JSON; throws a message for anything that is not a JSON object. */
export function parseHookEvent(text: string): HookEvent {
  if (text.trim() === '') throw new Error('no hook event on stdin (Claude Code sends one JSON object)');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the hook event on stdin is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the hook event on stdin is not a JSON object');
  return value;
}

const PATH_KEYS = ['file_path', 'notebook_path', 'path'] as const;

/**
 * The files an event names as edited (absolute): tool_input.file_path of Edit, Write and MultiEdit,
 * notebook_path of NotebookEdit, and tool_response.filePath. Empty when it names none (Stop, a Bash tool use…).
 */
export function editedPaths(event: HookEvent, cwd: string): string[] {
  const paths = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') paths.add(isAbsolute(value) ? value : resolve(cwd, value));
  };
  if (event.tool_input) for (const key of PATH_KEYS) add(event.tool_input[key]);
  if (event.tool_input && Array.isArray(event.tool_input.edits)) {
    for (const edit of event.tool_input.edits as unknown[]) if (typeof edit === 'object' && edit !== null) add((edit as Record<string, unknown>).file_path);
  }
  if (event.tool_response) add(event.tool_response.filePath);
  return [...paths];
}
