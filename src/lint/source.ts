/**
 * Multi-document YAML with positions: each document's plain value plus a way to find the line and
 * column of a field path such as `spec.strategy.canary.steps[2].setWeight`. Built on the `yaml`
 * package (its AST keeps the source range of every node). Pure apart from `readYamlFiles`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface SourceDocument {
  file: string;
  /** The plain value (objects, arrays, scalars); undefined for an empty document. */
  value: unknown;
  /** Where the document's content starts. */
  start: Position;
  /** Position of the field at `path` (the key for map entries); the closest existing ancestor when
   * the field is absent; the document start for the empty path. */
  positionOf(path: string): Position;
}

export interface SyntaxProblem {
  file: string;
  position: Position;
  message: string;
}

export interface ParsedFile {
  documents: SourceDocument[];
  syntaxErrors: SyntaxProblem[];
}

const SEGMENT = /\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[([^\]]+)\]/y;

/** `spec.steps[2].setWeight` -> `['spec', 'steps', 2, 'setWeight']`; `metadata.labels[a.b/c]` keeps `a.b/c`. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const re = new RegExp(SEGMENT);
  while (re.lastIndex < path.length) {
    const match = re.exec(path);
    if (match === null) break;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(match[3]);
  }
  return segments;
}

/** The node of `path` (or for a map entry, its key), or the deepest ancestor that exists. */
function locate(doc: Document, path: (string | number)[]): Node | undefined {
  let current: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return found;
      if (isScalar(pair.key)) found = pair.key;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      const item: unknown = current.items[segment];
      if (item === undefined || item === null || isPair(item)) return found;
      found = item as Node;
      current = item;
    } else {
      return found;
    }
  }
  return found;
}

/** Splits YAML text into documents with positions; syntax errors carry their line. */
export function parseYaml(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const toPos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const documents: SourceDocument[] = [];
  const syntaxErrors: SyntaxProblem[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        syntaxErrors.push({ file, position: toPos(error.pos[0]), message: firstLine(error.message) });
      }
      continue;
    }
    const startOffset = doc.contents?.range[0] ?? doc.range[0];
    const start = toPos(startOffset);
    documents.push({
      file,
      value: doc.toJS({ maxAliasCount: 100 }) as unknown,
      start,
      positionOf(path: string): Position {
        if (path === '') return start;
        const node = locate(doc, parsePath(path));
        const offset = node?.range?.[0];
        return offset === undefined ? start : toPos(offset);
      },
    });
  }
  return { documents, syntaxErrors };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Every *.yaml / *.yml file under `paths` (files as given, directories recursively), sorted. */
export function yamlFilesUnder(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string, explicit: boolean) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry === 'node_modules' || entry.startsWith('.')) continue;
        walk(join(path, entry), false);
      }
    } else if (explicit || /\.ya?ml$/.test(path)) {
      files.push(path);
    }
  };
  for (const path of paths) walk(path, true);
  return files;
}

/** Reads and parses the files. */
export function readYamlFiles(files: readonly string[]): ParsedFile[] {
  return files.map((file) => parseYaml(file, readFileSync(file, 'utf8')));
}
