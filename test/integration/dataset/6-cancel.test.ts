/** Cancelling a folder job: it stops between steps, leaves no partial file, and a rerun resumes. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { BatchJobResult } from '../../../src/engine/batchJob';
import { waitFor, ws } from './testApi';

const masks = (): string[] => fs.readdirSync(ws('big')).filter((f) => f.endsWith('_mask.png'));

describe('cancel mid-batch', () => {
  it('stops, keeps whole masks only, and resumes where it stopped', async () => {
    const uri = vscode.Uri.file(ws('big'));
    const running = vscode.commands.executeCommand<BatchJobResult>(
      'seggpt.applyPromptToFolder',
      uri,
      [uri],
    );
    await waitFor('the first masks', () => (masks().length >= 2 ? true : undefined));
    const cancelled = await vscode.commands.executeCommand<number>('seggpt.cancelJobs');
    assert.equal(cancelled, 1);
    const first = await running;
    assert.ok(first);
    assert.equal(first.cancelled, true);
    assert.ok(
      first.written.length >= 2 && first.written.length < 60,
      `wrote ${first.written.length}`,
    );
    const files = fs.readdirSync(ws('big'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    assert.equal(masks().length, first.written.length, 'every written mask is there, nothing else');

    const second = await vscode.commands.executeCommand<BatchJobResult>(
      'seggpt.applyPromptToFolder',
      uri,
      [uri],
    );
    assert.equal(second?.cancelled, false);
    assert.equal(second?.written.length, 60 - first.written.length);
    assert.equal(masks().length, 60);
  });
});
