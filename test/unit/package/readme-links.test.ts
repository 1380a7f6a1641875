import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTargets, relativeTargetPath } from '../../e2e/readme-links';
// @ts-expect-error: plain ES module without type declarations
import { packageReadme } from '../../../scripts/package-readme.mjs';

describe('README links and images (the check of the packaged README)', () => {
  it('finds links and images in text and in tables, with their targets', () => {
    const md = [
      'See the [changes](CHANGELOG.md#010) and [VS Code](https://code.visualstudio.com/).',
      '',
      '| A | B |',
      '| --- | --- |',
      '| ![Panel](media/screenshots/a.png) | ![Cube](./media/b%20c.png "title") |',
      '',
      '`[not a link](x.md)` and [anchor](#settings) and [ref][r]',
      '',
      '[r]: docs/ref.md',
    ].join('\n');
    assert.deepEqual(markdownTargets(md), [
      { kind: 'link', target: 'CHANGELOG.md#010' },
      { kind: 'link', target: 'https://code.visualstudio.com/' },
      { kind: 'image', target: 'media/screenshots/a.png' },
      { kind: 'image', target: './media/b%20c.png' },
      { kind: 'link', target: '#settings' },
      { kind: 'link', target: 'docs/ref.md' },
    ]);
  });

  it('names the file of a relative target and nothing for URLs and anchors', () => {
    assert.equal(relativeTargetPath('CHANGELOG.md#010'), 'CHANGELOG.md');
    assert.equal(relativeTargetPath('./media/b%20c.png'), 'media/b c.png');
    assert.equal(relativeTargetPath('media/x.png?raw=1'), 'media/x.png');
    assert.equal(relativeTargetPath('https://code.visualstudio.com/'), undefined);
    assert.equal(relativeTargetPath('mailto:a@b.c'), undefined);
    assert.equal(relativeTargetPath('//cdn.example/x.png'), undefined);
    assert.equal(relativeTargetPath('#settings'), undefined);
  });
});

describe('the README packaged into the .vsix (scripts/package-readme.mjs)', () => {
  it('drops vsix:omit blocks and rejects unbalanced markers', () => {
    const text = ['# A', '<!-- vsix:omit (why) -->', '![x](media/x.png)', '<!-- /vsix:omit -->', '', '', '## B', 'text'].join('\n');
    assert.equal(packageReadme(text), '# A\n\n## B\ntext\n');
    assert.throws(() => packageReadme('<!-- vsix:omit -->\nx'), /README.md:1: vsix:omit block is never closed/);
    assert.throws(() => packageReadme('x\n<!-- /vsix:omit -->'), /README.md:2: \/vsix:omit without a vsix:omit before it/);
    assert.throws(() => packageReadme('<!-- vsix:omit -->\n<!-- vsix:omit -->\n<!-- /vsix:omit -->'), /README.md:2: vsix:omit inside another/);
  });

  it('from README.md: what NormLens does in VS Code first, no image the details page would drop, no build instructions', () => {
    const full = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const packaged: string = packageReadme(full);
    const headings = packaged.split('\n').filter((l) => /^#{1,2} /.test(l));
    assert.deepEqual(headings.slice(0, 2), ['# NormLens', '## In VS Code']);
    assert.ok(headings.includes('## Install'));
    // The full README does show images; the packaged one keeps only what the page can load.
    assert.ok(markdownTargets(full).some((t) => t.kind === 'image' && relativeTargetPath(t.target) !== undefined));
    assert.deepEqual(
      markdownTargets(packaged).filter((t) => t.kind === 'image' && !t.target.startsWith('https:')),
      [],
    );
    assert.ok(!/npm ci|npm test|node dist\/cli/.test(packaged));
  });
});
