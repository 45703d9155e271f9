import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  ClassesFileError,
  defaultClasses,
  defaultColour,
  parseClasses,
  serializeClasses,
} from '../../src/prompts/classesFile';
import {
  parsePromptSets,
  PromptFileError,
  serializePromptSets,
  storedPath,
  toPromptSpec,
  withoutImage,
  withPair,
  type PromptSetsFile,
} from '../../src/prompts/promptSetsFile';

const root = path.join(path.sep, 'data', 'ws');

describe('prompt sets file', () => {
  const file: PromptSetsFile = {
    version: 1,
    active: 'cells',
    sets: [
      {
        name: 'cells',
        mode: 'semantic',
        pairs: [{ image: 'a/1.png', mask: 'a/1_mask.png' }],
        classes: [1, 3],
      },
      { name: 'nuclei', mode: 'instance', pairs: [] },
    ],
  };

  it('round-trips through its text', () => {
    assert.deepEqual(parsePromptSets(serializePromptSets(file)), file);
  });

  it('names the problem in a bad file', () => {
    const bad: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['[]', /JSON object/],
      ['{"sets": 1}', /"sets" must be a list/],
      ['{"sets": [{"name": "x", "mode": "panoptic", "pairs": []}]}', /sets\[0\]\.mode/],
      ['{"sets": [{"name": "x", "pairs": [{"image": "a.png"}]}]}', /sets\[0\]\.pairs\[0\]\.mask/],
      ['{"sets": [{"name": "x", "pairs": [], "classes": [0]}]}', /class ids 1\.\.254/],
      [
        '{"sets": [{"name": "x", "pairs": []}, {"name": "x", "pairs": []}]}',
        /two prompt sets are named "x"/,
      ],
      ['{"version": 2, "sets": []}', /version 2/],
    ];
    for (const [text, re] of bad)
      assert.throws(
        () => parsePromptSets(text),
        (e: Error) => e instanceof PromptFileError && re.test(e.message),
        text,
      );
  });

  it('drops an active name that names no set; defaults the mode to instance', () => {
    const f = parsePromptSets('{"active": "gone", "sets": [{"name": "x", "pairs": []}]}');
    assert.equal(f.active, undefined);
    assert.equal(f.sets[0]?.mode, 'instance');
  });

  it('turns a set into the engine prompt with absolute paths', () => {
    const spec = toPromptSpec(root, file.sets[0]!);
    assert.deepEqual(spec, {
      pairs: [{ image: path.join(root, 'a', '1.png'), mask: path.join(root, 'a', '1_mask.png') }],
      semantic: true,
      numClasses: 3,
    });
    assert.equal(toPromptSpec(root, file.sets[1]!).numClasses, undefined);
  });

  it('stores paths inside the workspace relative, others absolute', () => {
    assert.equal(storedPath(root, path.join(root, 'a', 'b.png')), 'a/b.png');
    const outside = path.join(path.sep, 'elsewhere', 'c.png');
    assert.equal(storedPath(root, outside), outside);
  });

  it('adds a pair (replacing one for the same image), creating the set, and removes it', () => {
    let f = withPair(file, 'nuclei', { image: 'b/2.png', mask: 'b/2_mask.png' });
    assert.equal(f.active, 'nuclei');
    f = withPair(f, 'nuclei', { image: 'b/2.png', mask: 'b/masks/2.png' });
    assert.deepEqual(f.sets[1]?.pairs, [{ image: 'b/2.png', mask: 'b/masks/2.png' }]);
    f = withPair(f, 'new', { image: 'c.png', mask: 'c_mask.png' }, 'semantic');
    assert.deepEqual(
      f.sets.map((s) => s.name),
      ['cells', 'nuclei', 'new'],
    );
    assert.equal(f.sets[2]?.mode, 'semantic');
    f = withoutImage(f, 'nuclei', 'b/2.png');
    assert.deepEqual(f.sets[1]?.pairs, []);
    assert.equal(file.sets[1]?.pairs.length, 0, 'the original is not changed');
  });
});

describe('classes file', () => {
  it('defaults to one class in the VOC colour masks are written with', () => {
    assert.deepEqual(defaultClasses(), { classes: [{ id: 1, name: 'object', color: '#800000' }] });
    assert.equal(defaultColour(2), '#008000');
  });

  it('parses, sorts by id, fills missing colours and round-trips', () => {
    const f = parseClasses(
      '{"classes": [{"id": 2, "name": "b"}, {"id": 1, "name": "a", "color": "#FF0000"}]}',
    );
    assert.deepEqual(f.classes, [
      { id: 1, name: 'a', color: '#ff0000' },
      { id: 2, name: 'b', color: '#008000' },
    ]);
    assert.deepEqual(parseClasses(serializeClasses(f)), f);
  });

  it('names the problem in a bad file', () => {
    const bad: [string, RegExp][] = [
      ['nope', /not valid JSON/],
      ['{"classes": {}}', /must be a list/],
      ['{"classes": [{"id": 0, "name": "bg"}]}', /id must be an integer 1\.\.254/],
      ['{"classes": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]}', /listed twice/],
      ['{"classes": [{"id": 1, "name": ""}]}', /name must be a name/],
      ['{"classes": [{"id": 1, "name": "a", "color": "red"}]}', /#rrggbb/],
    ];
    for (const [text, re] of bad)
      assert.throws(
        () => parseClasses(text),
        (e: Error) => e instanceof ClassesFileError && re.test(e.message),
        text,
      );
  });
});
