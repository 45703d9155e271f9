/**
 * `.seggpt/classes.json`: the names and colours of the class ids masks store. The user edits it;
 * colours are `#rrggbb`. No `vscode` import.
 */
import { vocPalette } from '../engine/palette';

/** One class: the id masks store (1..254; 0 is background), a name and a display colour. */
export interface ClassEntry {
  readonly id: number;
  readonly name: string;
  readonly color: string;
}

/** The file. */
export interface ClassesFile {
  readonly classes: readonly ClassEntry[];
}

/** Thrown for a classes file that does not parse or breaks the format. */
export class ClassesFileError extends Error {
  override readonly name = 'ClassesFileError';
}

/** The VOC colour of a class id as `#rrggbb` (the colour masks are written with). */
export function defaultColour(id: number): string {
  const voc = vocPalette();
  return `#${[0, 1, 2].map((c) => (voc[id * 3 + c] ?? 0).toString(16).padStart(2, '0')).join('')}`;
}

/** The file written when there is none: one class, "object". */
export function defaultClasses(): ClassesFile {
  return { classes: [{ id: 1, name: 'object', color: defaultColour(1) }] };
}

/** Parses the file's text; ClassesFileError on any problem. */
export function parseClasses(text: string): ClassesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ClassesFileError(
      `not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const list = (raw as { classes?: unknown } | null)?.classes;
  if (!Array.isArray(list)) throw new ClassesFileError('"classes" must be a list');
  const seen = new Set<number>();
  const classes = list.map((v, i): ClassEntry => {
    const o = (v ?? {}) as Record<string, unknown>;
    const id = o.id;
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 254) {
      throw new ClassesFileError(`classes[${i}].id must be an integer 1..254`);
    }
    if (seen.has(id as number))
      throw new ClassesFileError(`class id ${String(id)} is listed twice`);
    seen.add(id as number);
    if (typeof o.name !== 'string' || o.name.trim() === '') {
      throw new ClassesFileError(`classes[${i}].name must be a name`);
    }
    const color = o.color ?? defaultColour(id as number);
    if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) {
      throw new ClassesFileError(`classes[${i}].color must look like #rrggbb`);
    }
    return { id: id as number, name: o.name, color: color.toLowerCase() };
  });
  return { classes: classes.sort((a, b) => a.id - b.id) };
}

/** The file's text. */
export function serializeClasses(file: ClassesFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
