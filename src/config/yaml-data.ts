/**
 * The bridge between the `yaml` AST and the valibot schemas: a parsed Document becomes plain data (objects, arrays,
 * strings, null) that the schemas validate, plus an index from every object and array back to the YAML nodes it came
 * from, so that an issue's path (`['checks', 3, 'timeout']`) finds its `line:col` again.
 *
 * Two things plain `toJS()` would lose are kept: numbers and booleans stay {@link YamlScalar}s carrying their text as
 * written (VibeGuard's Go decoder reads `go_version: 1.20` into a text field as "1.20", not "1.2"), and `<<` merge
 * keys are expanded with explicit keys winning, each value still located at the node it was written at.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';

/** A YAML scalar that is not text (a number, a boolean, …): its value and its text exactly as written. */
export class YamlScalar {
  constructor(
    readonly value: unknown,
    readonly source: string,
  ) {}

  /** The scalar read as text, as VibeGuard reads it: numbers and booleans as written, nothing else. */
  get text(): string | undefined {
    return typeof this.value === 'number' || typeof this.value === 'boolean' ? this.source : undefined;
  }
}

/**
 * What the converter yields for a YAML node. Maps become plain objects: the keys that would not be plain own keys
 * (`__proto__`, `constructor`, `prototype`) are refused by the converter, and readers use own keys only.
 */
export type YamlData = string | null | YamlScalar | YamlData[] | { [key: string]: YamlData };

/** The nodes one entry of a map or list was written with. */
export interface Located {
  /** The key's node (maps only). */
  key?: Node;
  /** The value's node; undefined when the YAML holds no node there (an empty list item). */
  value: Node | undefined;
  /** The converted value, to walk further down a path. */
  data: YamlData;
}

/** A problem the conversion itself finds: a key that is not text, a `<<` merge of something other than a map. */
export interface ConversionProblem {
  code: 'invalid-key' | 'invalid-type';
  message: string;
  node: Node | undefined;
}

/** Keys JavaScript objects (and valibot, which skips them) cannot hold as plain data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Converted data with its locations. */
export class YamlIndex {
  readonly problems: ConversionProblem[] = [];
  readonly root: YamlData;
  readonly rootNode: Node | undefined;
  // Plain maps: the index lives as long as one validation.
  private readonly entries = new Map<object, Map<string | number, Located>>();
  private readonly converted = new Map<Node, YamlData>();
  private readonly nodes = new Map<object, Node>();

  constructor(private readonly doc: Document) {
    const root = this.deref(doc.contents);
    this.rootNode = root;
    this.root = root === undefined ? null : this.convert(root);
  }

  /**
   * The nodes at a path of keys and indices, walking the data from the root. `entry` is the deepest entry found
   * (`exact` when that is the whole path; a path can go below the data, e.g. into the list a schema made of a single
   * scalar, and then the scalar's entry stands), `container` the node of the map or list the last key was looked up
   * in — where a missing key is reported.
   */
  locate(path: ReadonlyArray<string | number>): { exact: boolean; entry: Located | undefined; container: Node | undefined } {
    let data: YamlData = this.root;
    let container = this.rootNode;
    let entry: Located | undefined;
    for (const key of path) {
      if (typeof data !== 'object' || data === null || data instanceof YamlScalar) return { exact: false, entry, container };
      container = this.nodes.get(data) ?? container;
      const found = this.entries.get(data)?.get(key);
      if (found === undefined) return { exact: false, entry, container };
      entry = found;
      data = found.data;
    }
    return { exact: true, entry, container };
  }

  /**
   * The start offset of the node an issue at `path` is about: the value written there, the key (`key`), or the map
   * or list holding it (`owner`).
   */
  offset(path: ReadonlyArray<string | number>, at: 'key' | 'value' | 'owner'): number {
    const { exact, entry, container } = this.locate(path);
    const node =
      at === 'owner' ? container : exact && at === 'key' ? (entry?.key ?? container) : (entry?.value ?? entry?.key ?? container);
    return node?.range?.[0] ?? 0;
  }

  private deref(node: unknown): Node | undefined {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return (node.resolve(this.doc)) ?? undefined;
    return node as Node;
  }

  private convert(node: Node): YamlData {
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || value === undefined) return null;
      if (typeof value === 'string') return value;
      // A parsed scalar always has its source; the fallback only serves documents built in code.
      return new YamlScalar(value, node.source ?? (typeof value === 'number' || typeof value === 'boolean' ? String(value) : ''));
    }
    // An alias yields the very data of its anchor: no copy (so `&a` used a thousand times costs nothing) and no
    // endless walk when an anchor contains an alias to itself.
    const done = this.converted.get(node);
    if (done !== undefined) return done;
    if (isMap(node)) {
      const object: { [key: string]: YamlData } = {};
      this.converted.set(node, object);
      this.nodes.set(object, node);
      const located = new Map<string | number, Located>();
      this.entries.set(object, located);
      for (const entry of this.mapEntries(node, new Set())) {
        if (located.has(entry.keyText)) continue; // an explicit key wins over a merged one
        const data = entry.value === undefined ? null : this.convert(entry.value);
        object[entry.keyText] = data;
        located.set(entry.keyText, { key: entry.key, value: entry.value, data });
      }
      return object;
    }
    if (isSeq(node)) {
      const array: YamlData[] = [];
      this.converted.set(node, array);
      this.nodes.set(array, node);
      const located = new Map<string | number, Located>();
      this.entries.set(array, located);
      node.items.forEach((item, index) => {
        const child = this.deref(item);
        const data = child === undefined ? null : this.convert(child);
        array.push(data);
        located.set(index, { value: child, data });
      });
      return array;
    }
    return null;
  }

  /** A map's entries in order, `<<` merges expanded after the explicit keys (earlier merges win over later ones). */
  private mapEntries(map: YAMLMap, seen: Set<YAMLMap>): Array<{ keyText: string; key: Node; value: Node | undefined }> {
    seen.add(map);
    const explicit: Array<{ keyText: string; key: Node; value: Node | undefined }> = [];
    const merged: typeof explicit = [];
    for (const pair of map.items) {
      const key = this.deref(pair.key);
      if (key === undefined || !isScalar(key)) {
        this.problems.push({ code: 'invalid-key', message: `keys must be text, got ${describe(key === undefined ? null : this.convert(key))}`, node: key ?? map });
        continue;
      }
      if (typeof key.value === 'symbol' || (key.source === '<<' && key.type === 'PLAIN')) {
        const target = this.deref(pair.value);
        const sources = target !== undefined && isSeq(target) ? target.items.map((item) => this.deref(item)) : [target];
        for (const source of sources) {
          if (source === undefined || !isMap(source)) {
            this.problems.push({ code: 'invalid-type', message: `a "<<" merge needs a map, got ${describe(source === undefined ? null : this.convert(source))}`, node: key });
          } else if (!seen.has(source)) merged.push(...this.mapEntries(source, seen));
        }
        continue;
      }
      const keyText = key.source ?? String(key.value);
      if (RESERVED_KEYS.has(keyText)) {
        this.problems.push({ code: 'invalid-key', message: `the key ${JSON.stringify(keyText)} cannot be used (reserved)`, node: key });
        continue;
      }
      explicit.push({ keyText, key, value: this.deref(pair.value) });
    }
    return merged.length === 0 ? explicit : [...explicit, ...merged];
  }
}

/** How a value reads in a message: `the text "x"`, `the number 1.20`, `a list`, `nothing`… */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (value instanceof YamlScalar) {
    if (typeof value.value === 'number') return `the number ${value.source}`;
    if (typeof value.value === 'boolean') return `the boolean ${String(value.value)}`;
    return typeof value.value;
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return 'an unsupported value';
}

/** Whether `value` is a converted YAML map. */
export function isMapData(value: unknown): value is { [key: string]: YamlData } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof YamlScalar);
}

/** A scalar's text when the field takes text: strings as they are, numbers and booleans as written. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return value instanceof YamlScalar ? value.text : undefined;
}
