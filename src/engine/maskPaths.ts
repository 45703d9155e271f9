/** Where an image's mask lives: a path template such as `${dir}/${stem}_mask.png`. */
import * as path from 'node:path';

/** The default template: the mask next to its image, `<stem>_mask.png`. */
export const DEFAULT_MASK_TEMPLATE = '${dir}/${stem}_mask.png';

/** File extensions the engine reads as images (lower case, with the dot). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
];

const VARIABLES = ['dir', 'stem', 'ext', 'name'] as const;

/** Thrown for a template that cannot name one mask per image. */
export class MaskTemplateError extends Error {
  override readonly name = 'MaskTemplateError';
}

/** Checks a template: only known variables, and `${stem}` or `${name}` so masks do not collide. */
export function validateMaskTemplate(template: string): void {
  for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
    if (!(VARIABLES as readonly string[]).includes(m[1] as string)) {
      throw new MaskTemplateError(
        `unknown variable \${${m[1]}} in mask template (use ${VARIABLES.map((v) => `\${${v}}`).join(', ')})`,
      );
    }
  }
  if (!template.includes('${stem}') && !template.includes('${name}')) {
    throw new MaskTemplateError('mask template must contain ${stem} or ${name}');
  }
  if (!template.startsWith('${dir}') && !path.isAbsolute(template)) {
    throw new MaskTemplateError('mask template must start with ${dir} or be an absolute path');
  }
  if (template.split(/[\\/]/).includes('..')) {
    throw new MaskTemplateError(
      'mask template must not contain ".." (masks live in or below the image folder)',
    );
  }
  if (!template.toLowerCase().endsWith('.png')) {
    throw new MaskTemplateError('mask template must end in .png (masks are palette PNGs)');
  }
}

/** The mask path of an image under a template (absolute when the image path is). */
export function maskPathFor(imagePath: string, template: string = DEFAULT_MASK_TEMPLATE): string {
  const ext = path.extname(imagePath);
  const values: Record<(typeof VARIABLES)[number], string> = {
    dir: path.dirname(imagePath),
    stem: path.basename(imagePath, ext),
    ext: ext.slice(1),
    name: path.basename(imagePath),
  };
  const filled = template.replace(
    /\$\{(dir|stem|ext|name)\}/g,
    (_, v: keyof typeof values) => values[v],
  );
  return path.normalize(filled);
}

/** Whether a file name has an image extension the engine reads. */
export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/**
 * A predicate telling whether a path is a mask under the template, so that mask files are not
 * listed (or segmented) as images themselves.
 */
export function maskMatcher(template: string = DEFAULT_MASK_TEMPLATE): (file: string) => boolean {
  const norm = template.split(/[\\/]/).join('/');
  let re = '';
  let last = 0;
  for (const m of norm.matchAll(/\$\{(dir|stem|ext|name)\}/g)) {
    re += escape(norm.slice(last, m.index));
    re += m[1] === 'dir' ? '(?:.*)' : '(?:[^/]+)';
    last = (m.index ?? 0) + m[0].length;
  }
  re += escape(norm.slice(last));
  const regex = new RegExp(`^${re}$`, process.platform === 'win32' ? 'i' : '');
  return (file: string) => regex.test(path.normalize(file).split(/[\\/]/).join('/'));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
