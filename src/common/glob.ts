// The `files:` globs of checks, matched against paths relative to the config's folder. Node 20's path.matchesGlob
// prints an ExperimentalWarning on stderr (noise in a hook's output), so this small matcher compiles each glob to
// one regular expression instead. Syntax: `**` any number of folders (zero too), `*` and `?` within one path segment,
// `[abc]`, `[!abc]`, `{a,b}` (nestable). A glob without a `/` matches the file's name at any depth (as in .gitignore:
// `*.go` matches `cmd/main.go`); a leading `./` is dropped and a leading `/` anchors to the config's folder.

const cache = new Map<string, RegExp>();

function escape(char: string): string {
  return /[.+^${}()|[\]\\/-]/.test(char) ? `\\${char}` : char;
}

/** Converts glob text (no leading-slash handling) to a regular expression source. */
function toSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const before = i === 0 || glob[i - 1] === '/';
        let j = i + 2;
        while (glob[j] === '*') j++;
        const after = j === glob.length || glob[j] === '/';
        if (before && after) {
          // `**/` = zero or more whole folders; a trailing `**` = anything below.
          if (j === glob.length) out += '.*';
          else {
            out += '(?:[^/]*/)*';
            j++; // the slash is part of the repeated group
          }
          i = j - 1;
          continue;
        }
        i = j - 1;
      }
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`;
      i = close;
    } else if (char === '{') {
      // Find the matching brace, split on top-level commas.
      let depth = 0;
      let close = -1;
      const parts: string[] = [];
      let last = i + 1;
      for (let j = i; j < glob.length; j++) {
        if (glob[j] === '{') depth++;
        else if (glob[j] === '}' && --depth === 0) {
          close = j;
          break;
        } else if (glob[j] === ',' && depth === 1) {
          parts.push(glob.slice(last, j));
          last = j + 1;
        }
      }
      if (close === -1) {
        out += '\\{';
        continue;
      }
      parts.push(glob.slice(last, close));
      out += `(?:${parts.map(toSource).join('|')})`;
      i = close;
    } else if (char === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i] as string);
    } else {
      out += escape(char);
    }
  }
  return out;
}

/** Compiles a glob (cached). */
export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re === undefined) {
    let text = glob.replace(/^(?:\.\/)+/, '');
    let prefix = '^';
    if (text.startsWith('/')) text = text.slice(1);
    else if (!text.replace(/\/+$/, '').includes('/')) prefix = '^(?:.*/)?'; // a bare name: at any depth
    // `dir/` means everything below dir.
    if (text.endsWith('/')) text += '**';
    // `s`: a name may hold a line feed, and `**` (`.*`) must match it as `*` (`[^/]*`) does.
    re = new RegExp(`${prefix}${toSource(text)}$`, 's');
    cache.set(glob, re);
  }
  return re;
}

/** Whether a relative, `/`-separated path matches the glob. */
export function matchesGlob(path: string, glob: string): boolean {
  return globRegExp(glob).test(path.replace(/^(?:\.\/)+/, ''));
}

/** Whether a path matches any of the globs. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(path, glob));
}
