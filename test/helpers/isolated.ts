// Tests of a missing optional peer copy the built package into a temporary folder and expect Node not to find the
// peer. Node looks for packages in every node_modules from that folder up to the root, so a stray `/tmp/node_modules`
// (a scratch project's install) would make them find it and fail with a misleading diff. This names the cause instead.
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The first `node_modules` folder in `dir`'s ancestors (not `dir` itself), or undefined when there is none. */
export function nodeModulesAbove(dir: string): string | undefined {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const candidate = join(parent, 'node_modules');
    if (statSync(candidate, { throwIfNoEntry: false })?.isDirectory() === true) return candidate;
    if (dirname(parent) === parent) return undefined;
  }
}

/** The message a precondition check gives when {@link nodeModulesAbove} finds a folder. */
export const STRAY_NODE_MODULES = 'a node_modules folder above the temporary folder lets Node find the packages this test leaves out: remove it';
