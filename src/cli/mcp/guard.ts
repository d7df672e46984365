// What the SDK would answer badly, answered by fanout first: a tools/call whose params do not fit the protocol (the
// SDK answers -32603 with zod's raw issue list), and a line of input that is no JSON-RPC message (the SDK answers
// nothing: the client would wait for ever).
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Sdk } from './sdk.js';

/** JSON-RPC 2.0 error codes. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/** A JSON-RPC error response. `id` is left out when the request's could not be read (MCP's schema has no null id). */
type ErrorResponse = JSONRPCMessage & { error: { code: number; message: string } };

function errorResponse(id: string | number | undefined, code: number, message: string): ErrorResponse {
  return (id === undefined ? { jsonrpc: '2.0', error: { code, message } } : { jsonrpc: '2.0', id, error: { code, message } });
}

/** Where a zod issue is, in the words of the request: `arguments`, `name`. */
function where(path: readonly PropertyKey[]): string {
  const inParams = path[0] === 'params' ? path.slice(1) : path;
  return inParams.length === 0 ? 'params' : inParams.map(String).join('.');
}

/** The -32602 answer to a tools/call request whose params the SDK would refuse; undefined for any other message. */
export function invalidToolCall(sdk: Pick<Sdk, 'CallToolRequestSchema'>, message: JSONRPCMessage): ErrorResponse | undefined {
  if (!('method' in message) || message.method !== 'tools/call' || !('id' in message)) return undefined;
  const parsed = sdk.CallToolRequestSchema.safeParse(message);
  if (parsed.success) return undefined;
  const problems = parsed.error.issues.map((issue) => {
    const at = where(issue.path);
    if (at === 'arguments') {
      const params = (message as { params?: { arguments?: unknown } }).params;
      return `"arguments" must be an object of the tool's arguments (or left out), not ${JSON.stringify(params?.arguments) ?? 'undefined'}`;
    }
    return `"${at}": ${issue.message}`;
  });
  return errorResponse(message.id, INVALID_PARAMS, `Invalid params: ${problems.join('; ')}`);
}

/** The answer to a line of input that could not be read: -32700 for no JSON, -32600 for JSON that is no message. */
export function unreadableInput(error: unknown): ErrorResponse | undefined {
  if (error instanceof SyntaxError) return errorResponse(undefined, PARSE_ERROR, `Parse error: ${error.message}`);
  if (error instanceof Error && error.name === 'ZodError') return errorResponse(undefined, INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message');
  return undefined;
}

/** What to say on stderr of a transport error: a line of input that could not be read in a line, not zod's issue list. */
export function transportErrorText(error: Error): string {
  return unreadableInput(error)?.error.message ?? error.message;
}

/**
 * Answers on `transport` what {@link invalidToolCall} and {@link unreadableInput} find, before the SDK sees it.
 * Called after the server connected (it wraps the handlers the SDK installed); `report` hears every transport error.
 */
export function guardTransport(sdk: Pick<Sdk, 'CallToolRequestSchema'>, transport: Transport, report: (error: Error) => void): void {
  const send = (response: ErrorResponse): void => {
    transport.send(response).catch((error: unknown) => report(error instanceof Error ? error : new Error(String(error))));
  };
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const refusal = invalidToolCall(sdk, message);
    if (refusal !== undefined) send(refusal);
    else deliver?.(message, extra);
  };
  const onerror = transport.onerror;
  transport.onerror = (error) => {
    onerror?.(error);
    const answer = unreadableInput(error);
    if (answer !== undefined) send(answer);
  };
}
