// Where the records of git's listing are, so that a check's inputs cost the records under its folders rather than the
// whole tree's: `git ls-files -z -t --stage --modified --others` prints the untracked files (`?`) first, then the
// index entries (each modified one followed by its `C` record), each block in byte order of the paths. The records
// whose paths start with a folder are then one run of records in each block, found by binary search, and their bytes
// alone tell whether a check's inputs are what an earlier run listed.
//
// The listing is read as latin1 text: one character per byte, so string order is byte order and lengths are byte
// counts. Splitting it and comparing strings is far cheaper in a fresh process than calls on a Buffer per record.

/** The tag of an untracked file's record: `? <path>`. */
const OTHER = 0x3f;

/** The records of one listing: their text, where each starts, and whether they are in the order relied on. */
export class ListingIndex {
  /**
   * Whether the blocks are in byte order as described above and every record has the expected shape (git dies on
   * an unordered index, and sorts the untracked files it prints): false, and nothing here is to be used.
   */
  readonly ordered: boolean;
  /** Records [0, others) are untracked files, the rest index entries. */
  readonly others: number;
  private readonly records: string[];
  /** Byte offset of each record, and one past the last record's NUL at the end. */
  private readonly offsets: Float64Array;
  /** The path of each record (latin1). */
  private readonly paths: string[];

  constructor(bytes: Buffer) {
    const records = bytes.toString('latin1').split('\0');
    // The NUL ending the last record leaves an empty string after it.
    if (records.at(-1) === '') records.pop();
    const offsets = new Float64Array(records.length + 1);
    const paths = new Array<string>(records.length);
    let ordered = true;
    let others = 0;
    let at = 0;
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as string;
      offsets[index] = at;
      at += record.length + 1;
      const other = record.charCodeAt(0) === OTHER;
      const tab = other ? -1 : record.indexOf('\t');
      if (record.charCodeAt(1) !== 0x20 || (!other && tab < 0)) ordered = false;
      const path = other ? record.slice(2) : record.slice(tab + 1);
      paths[index] = path;
      if (other) {
        // An untracked file after an index entry: not the order relied on.
        if (index > others) ordered = false;
        others = index + 1;
      } else if (index > others && path < (paths[index - 1] as string)) ordered = false;
      if (other && index > 0 && path < (paths[index - 1] as string)) ordered = false;
    }
    offsets[records.length] = Math.min(at, bytes.length);
    this.ordered = ordered;
    this.others = others;
    this.records = records;
    this.offsets = offsets;
    this.paths = paths;
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

  /**
   * The byte spans of the records whose paths start with `prefix`, one per block that has any: `[start, end)`, whole
   * records with their NULs. Needs {@link ordered}.
   */
  spans(prefix: string): Array<[number, number]> {
    const text = Buffer.from(prefix, 'utf8').toString('latin1');
    const spans: Array<[number, number]> = [];
    for (const [from, to] of [
      [0, this.others],
      [this.others, this.records.length],
    ] as const) {
      const first = this.bound(text, from, to, false);
      const end = this.bound(text, first, to, true);
      if (first < end) spans.push([this.offsets[first] as number, this.offsets[end] as number]);
    }
    return spans;
  }

  /** Whether a record names exactly `path` (untracked, or in the index). Needs {@link ordered}. */
  lists(path: string): boolean {
    const text = Buffer.from(path, 'utf8').toString('latin1');
    for (const [from, to] of [
      [0, this.others],
      [this.others, this.records.length],
    ] as const) {
      const first = this.bound(text, from, to, false);
      if (first < to && this.paths[first] === text) return true;
    }
    return false;
  }
}
