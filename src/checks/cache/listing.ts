// Where the records of git's listing are, so that a check's inputs cost the records under its folders rather than the
// whole tree's: `git ls-files -z -t --stage --modified --others` prints the untracked files (`?`) first, then the
// index entries (each modified one followed by its `C` record), each block in byte order of the paths. The records
// whose paths start with a folder are then one run of records in each block, found by binary search, and their bytes
// alone tell whether a check's inputs are what an earlier run listed.
//
// The listing is read as latin1 text: one character per byte, so string order is byte order and lengths are byte
// counts. Finding records by indexOf in it and comparing strings is far cheaper in a fresh process than calls on a
// Buffer per record.

/** The tag of an untracked file's record: `? <path>`. */
const OTHER = 0x3f;
const NUL = '\0';
const TAB = '\t';

/**
 * Whether a string holds only printable ASCII: then its UTF-8 bytes read as latin1 are the string itself (any other
 * string, a control character's too, goes through its bytes: the same result, found the long way).
 */
const ASCII = /^[ -~]*$/;

/** `text` (UTF-8) as the latin1 string of its bytes, as the listing's paths are held. */
const asLatin1 = (text: string): string => (ASCII.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1'));

/** A path of the listing (latin1) as the text its bytes are in UTF-8, as the rest of the listing is decoded. */
export const fromLatin1 = (path: string): string => (ASCII.test(path) ? path : Buffer.from(path, 'latin1').toString('utf8'));

/** The tags of the records listing a path again beside its index entry (modified, removed, to be killed): no entry. */
const CHANGED = new Set([0x43 /* C */, 0x52 /* R */, 0x4b /* K */]);
/** A submodule's mode, as an index entry writes it after its tag. */
const GITLINK = '160000 ';

/** The records of one listing: where each starts, its path, and whether they are in the order relied on. */
export class ListingIndex {
  /**
   * Whether the blocks are in byte order as described above and every record has the expected shape (git dies on
   * an unordered index, and sorts the untracked files it prints): false, and nothing here is to be used.
   */
  readonly ordered: boolean;
  /** Records [0, others) are untracked files, the rest index entries. */
  readonly others: number;
  /** How many records there are. */
  private readonly count: number;
  /** Byte offset of each record, and one past the last record's NUL at the end. */
  private readonly offsets: Float64Array;
  /** The path of each record (latin1). */
  private readonly paths: string[];
  /** The whole listing as latin1 text. */
  private readonly text: string;

  constructor(bytes: Buffer) {
    // One pass over one string, each path a slice of it: no array of whole records is made and sliced again.
    const text = bytes.toString('latin1');
    const length = text.length;
    const offsets: number[] = [];
    const paths: string[] = [];
    let ordered = true;
    let others = 0;
    let previous = '';
    for (let at = 0; at < length; ) {
      let end = text.indexOf(NUL, at);
      if (end < 0) end = length;
      const index = paths.length;
      offsets.push(at);
      const other = text.charCodeAt(at) === OTHER;
      let start = at + 2;
      if (!other) {
        const tab = text.indexOf(TAB, at);
        if (tab < 0 || tab >= end) ordered = false;
        else start = tab + 1;
      }
      if (end - at < 2 || text.charCodeAt(at + 1) !== 0x20) ordered = false;
      const path = text.slice(Math.min(start, end), end);
      if (other) {
        // An untracked file after an index entry: not the order relied on.
        if (index > others) ordered = false;
        others = index + 1;
        if (index > 0 && path < previous) ordered = false;
      } else if (index > others && path < previous) ordered = false;
      paths.push(path);
      previous = path;
      at = end + 1;
    }
    offsets.push(length);
    this.ordered = ordered;
    this.others = others;
    this.count = paths.length;
    this.offsets = Float64Array.from(offsets);
    this.paths = paths;
    this.text = text;
  }

  /** The first record of `[from, to)` whose path does not sort before `prefix` and, with `past`, does not start with it. */
  private bound(prefix: string, from: number, to: number, past: boolean): number {
    let low = from;
    let high = to;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const path = this.paths[middle] as string;
      const before = past ? path < prefix || path.startsWith(prefix) : path < prefix;
      if (before) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The two sorted blocks of records, `[from, to)` by record: the untracked files, then the index's entries. */
  private blocks(): ReadonlyArray<readonly [number, number]> {
    return [
      [0, this.others],
      [this.others, this.count],
    ];
  }

  /**
   * The byte spans of the records whose paths start with `prefix`, one per block that has any: `[start, end)`, whole
   * records with their NULs. Needs {@link ordered}.
   */
  spans(prefix: string): Array<[number, number]> {
    const text = asLatin1(prefix);
    const spans: Array<[number, number]> = [];
    for (const [from, to] of this.blocks()) {
      const first = this.bound(text, from, to, false);
      const end = this.bound(text, first, to, true);
      if (first < end) spans.push([this.offsets[first] as number, this.offsets[end] as number]);
    }
    return spans;
  }

  /** Whether a record names exactly `path` (untracked, or in the index). Needs {@link ordered}. */
  lists(path: string): boolean {
    const text = asLatin1(path);
    for (const [from, to] of this.blocks()) {
      const first = this.bound(text, from, to, false);
      if (first < to && this.paths[first] === text) return true;
    }
    return false;
  }

  /**
   * What the records whose paths start with `prefix` say of the folders below it, without parsing them: `names`, the
   * path of each folder's first file (of each block) and every listed folder (`vendor/`: a repository git does not
   * look into), which name every folder that holds a listed file; and `gitlinks`, the paths of the submodules among
   * the index entries. Paths are latin1 ({@link fromLatin1} decodes them). Needs {@link ordered}.
   */
  shape(prefix: string): { names: string[]; gitlinks: string[] } {
    const text = asLatin1(prefix);
    const names: string[] = [];
    const gitlinks: string[] = [];
    for (const [from, to] of this.blocks()) {
      const first = this.bound(text, from, to, false);
      const end = this.bound(text, first, to, true);
      // The folder of the last name kept: the files after it in the same folder name no other one.
      let folder = '';
      for (let index = first; index < end; index++) {
        const path = this.paths[index] as string;
        if (index >= this.others) {
          const at = this.offsets[index] as number;
          if (!CHANGED.has(this.text.charCodeAt(at)) && this.text.startsWith(GITLINK, at + 2)) gitlinks.push(path);
        }
        if (path.endsWith('/')) {
          names.push(path);
          continue;
        }
        const slash = path.lastIndexOf('/');
        if (slash + 1 === folder.length && path.startsWith(folder)) continue;
        folder = path.slice(0, slash + 1);
        names.push(path);
      }
    }
    return { names, gitlinks };
  }
}
