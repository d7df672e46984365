// `--json`: the final report, one indented JSON document, once the run is over.
import { jsonText } from '../terminal.js';
import type { Reporter } from './reporter.js';

/**
 * Writes the report `end()` receives (write errors included) as indented JSON and a newline; events print nothing.
 *
 * @example
 * ```ts
 * import { createJsonReporter } from './json.js';
 * import { printJsonText } from '../terminal.js';
 *
 * const json = createJsonReporter({ write: printJsonText });
 * ```
 */
export function createJsonReporter(options: { write: (json: string) => void }): Reporter {
  return {
    onEvent() {},
    end(report) {
      options.write(`${jsonText(report, 2)}\n`);
    },
  };
}
