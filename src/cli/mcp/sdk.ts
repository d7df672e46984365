// The Model Context Protocol SDK and zod are optional peer dependencies: only `fanout mcp` needs them, so they load
// here, on its first use, and a missing one is an error that says what to install.
import { FanoutError } from '../../common/errors.js';
import type * as McpModule from '@modelcontextprotocol/sdk/server/mcp.js';
import type * as StdioModule from '@modelcontextprotocol/sdk/server/stdio.js';
import type * as TypesModule from '@modelcontextprotocol/sdk/types.js';
import type * as Zod from 'zod';

/** What `fanout mcp` takes from its optional peer dependencies. */
export interface Sdk {
  McpServer: typeof McpModule.McpServer;
  StdioServerTransport: typeof StdioModule.StdioServerTransport;
  /** The schema of a tools/call request, to answer a malformed one before the SDK does. */
  CallToolRequestSchema: typeof TypesModule.CallToolRequestSchema;
  z: typeof Zod;
}

/** The command that installs what `fanout mcp` needs. */
export const INSTALL_MCP = 'npm install @modelcontextprotocol/sdk zod';

/**
 * Imports one peer; a missing package is a FanoutError with code `ERR_MISSING_DEPENDENCY` naming the command that
 * installs it (any other failure, a broken install, is thrown as it is).
 */
async function importPeer<M>(specifier: string, name: string): Promise<M> {
  try {
    return (await import(specifier)) as M;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}`)) {
      throw new FanoutError('ERR_MISSING_DEPENDENCY', `fanout mcp needs the packages @modelcontextprotocol/sdk and zod (optional peer dependencies of fanout): ${INSTALL_MCP}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Loads the SDK's server, its stdio transport and zod. */
export async function loadSdk(): Promise<Sdk> {
  const [mcp, stdio, types, z] = await Promise.all([
    importPeer<typeof McpModule>('@modelcontextprotocol/sdk/server/mcp.js', '@modelcontextprotocol/sdk'),
    importPeer<typeof StdioModule>('@modelcontextprotocol/sdk/server/stdio.js', '@modelcontextprotocol/sdk'),
    importPeer<typeof TypesModule>('@modelcontextprotocol/sdk/types.js', '@modelcontextprotocol/sdk'),
    importPeer<typeof Zod>('zod', 'zod'),
  ]);
  return { McpServer: mcp.McpServer, StdioServerTransport: stdio.StdioServerTransport, CallToolRequestSchema: types.CallToolRequestSchema, z };
}
