// Fuzzing the whole pipeline with inputs no driver should contain but an editor will send:
// every fixture truncated at many offsets, seeded random byte flips, 10,000-deep nesting, a 50 MB
// file and a binary file. Each must be answered (analysed, or skipped with a reason) with no
// exception escaping to the caller or the LSP connection, and nothing written to disk.
// Bounded by iteration counts; the per-test timeouts are only watchdogs against a hang.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, test } from 'node:test';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { AnalysisReport, analyzeFile } from '../../server/src/analyzeFile';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { unanalysableReason } from '../../server/src/settings';
import { FolderFactsCache } from '../../server/src/workspace/folderFacts';
import { MAX_NESTING } from '../../server/src/workspace/sourceText';
import { parseText, sharedParser } from '../support/fixtures';
import { isShowMessage, serverForSuite } from '../support/lspClient';
import { DIST, FIXTURES } from '../support/paths';

const WATCHDOG = { timeout: 10 * 60 * 1000 };

function fixtureFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fixtureFiles(full);
    return entry.name.endsWith('.c') ? [full] : [];
  });
}

/** mtime and SHA-256 of every fixture file, to prove nothing was written. */
function snapshot(files: readonly string[]): Map<string, string> {
  return new Map(files.map((file) => [file, `${fs.statSync(file).mtimeMs}:${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`]));
}

/** Park–Miller: the same flips on every run and machine. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

// Copies of the shared fixtures (others edit the originals while tests run): the mangled texts
// are analysed with the copies' folders as siblings, and the copies must stay untouched.
const COPIES = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-fuzz-fixtures-'));
fs.cpSync(FIXTURES, COPIES, { recursive: true });
const fixtures = fixtureFiles(COPIES).sort();
const before_ = snapshot(fixtures);
const TRUNCATIONS = 12;
const FLIP_SETS = 8;
/** The fixtures' real siblings, parsed once for every mangled variant (cached by mtime). */
let siblingCache: FolderFactsCache | undefined;
after(() => siblingCache?.clear());

/**
 * The analysis exactly as the CLI runs it (the fixture's real siblings as the folder). A rule that
 * throws is recorded in `failures`, which each test owns and checks at its end.
 */
async function analyse(label: string, file: string, text: string, failures: string[]): Promise<AnalysisReport> {
  const parser = await sharedParser();
  const tree = parseText(parser, text);
  try {
    const facts = collectFileFacts(file, text, tree, DEFAULT_CONFIG);
    siblingCache ??= new FolderFactsCache(parser, 4 * 1024 * 1024);
    const report = analyzeFile(facts, siblingCache.siblingsOf(file, DEFAULT_CONFIG));
    for (const failure of report.failures) failures.push(`${label}: rule ${failure.rule} threw: ${failure.message}`);
    for (const finding of report.findings) {
      assert.ok(finding.span.startLine >= 0 && finding.span.startLine <= finding.span.endLine, `${label}: a finding has a sane span`);
    }
    return report;
  } finally {
    tree.delete();
  }
}

// Each deep text holds one kmalloc() of 9,000,000 bytes, more than any configuration's
// KMALLOC_MAX_SIZE (4 MiB on x86_64 with 4K pages): where the text is analysed, that finding must be
// there; where it is refused, nothing may be.
const deepParens = (depth: number) => `void *deep(void)\n{\n\treturn kmalloc(${'('.repeat(depth)}9000000${')'.repeat(depth)}, GFP_KERNEL);\n}\n`;
const deepBlocks = (depth: number) => `void deep(void)\n{\n${'{'.repeat(depth)}\nvoid *p = kmalloc(9000000, GFP_KERNEL);\n${'}'.repeat(depth)}\n}\n`;
const deepIfs = (depth: number) => `void deep(int x)\n{\n${'if (x) '.repeat(depth)}kfree(kmalloc(9000000, GFP_ATOMIC));\n}\n`;
const DEEP_FINDING = 'kmalloc-too-large';

describe('analyzeFile on mangled fixtures', () => {
  test(`every fixture truncated at ${TRUNCATIONS} offsets`, WATCHDOG, async () => {
    assert.ok(fixtures.length >= 5, 'there are fixtures to mangle');
    const failures: string[] = [];
    let runs = 0;
    for (const file of fixtures) {
      const text = fs.readFileSync(file, 'utf8');
      for (let cut = 0; cut < TRUNCATIONS; cut++) {
        // Evenly spread, plus a seeded jitter so cuts land inside tokens too.
        const offset = Math.min(text.length, Math.floor((text.length * cut) / TRUNCATIONS) + ((cut * 7919) % 13));
        await analyse(`${path.relative(COPIES, file)} cut at ${offset}`, file, text.slice(0, offset), failures);
        runs++;
      }
    }
    assert.equal(runs, fixtures.length * TRUNCATIONS);
    assert.deepEqual(failures, [], 'no rule threw');
  });

  test(`every fixture with ${FLIP_SETS} seeded sets of random byte flips`, WATCHDOG, async () => {
    const random = prng(20261125);
    const failures: string[] = [];
    for (const file of fixtures) {
      const bytes = fs.readFileSync(file);
      for (let variant = 0; variant < FLIP_SETS; variant++) {
        const mangled = Buffer.from(bytes);
        const flips = 1 + Math.floor(random() * 20);
        for (let flip = 0; flip < flips; flip++) mangled[Math.floor(random() * mangled.length)] ^= 1 << Math.floor(random() * 8);
        // An editor hands the server whatever the decoder made of it: replacement characters included.
        await analyse(`${path.relative(COPIES, file)} flip set ${variant}`, file, new TextDecoder().decode(mangled), failures);
      }
    }
    assert.deepEqual(failures, [], 'no rule threw');
  });

  test('10,000-deep parentheses and blocks are refused by the gate the CLI and server apply', () => {
    for (const text of [deepParens(10_000), deepBlocks(10_000)]) {
      assert.match(unanalysableReason(text, 64 * 1024 * 1024) ?? '', /nest deeper than/);
    }
    // Unbraced `if` chains nest statements, not brackets: the text gate lets them through ...
    assert.equal(unanalysableReason(deepIfs(10_000), 64 * 1024 * 1024), undefined);
  });

  test('10,000 unbraced nested ifs are refused by the syntax-depth gate of analyzeFile', async () => {
    // ... and analyzeFile's syntax-depth probe refuses them before any rule recurses into them.
    const parser = await sharedParser();
    const text = deepIfs(10_000);
    const tree = parseText(parser, text);
    const report = analyzeFile(collectFileFacts('deep.c', text, tree, DEFAULT_CONFIG), []);
    tree.delete();
    assert.match(report.skipped ?? '', /syntax nests deeper than/);
    assert.deepEqual(report.findings, []);
  });

  test('deep nesting drivers may have is analysed: parentheses, blocks and ifs 100 deep and just under the limit', WATCHDOG, async () => {
    const file = path.join(COPIES, 'nonexistent-folder', 'deep.c');
    const failures: string[] = [];
    // 100 levels: well above the deepest nesting in linux-6.1 drivers/ (37), whatever MAX_NESTING says.
    for (const [label, depth, text] of [100, MAX_NESTING - 3].flatMap((depth) => [
      ['parentheses', depth, deepParens(depth)] as const,
      ['blocks', depth, deepBlocks(depth)] as const,
      ['ifs', depth, deepIfs(depth)] as const,
    ])) {
      assert.equal(unanalysableReason(text, 64 * 1024 * 1024), undefined);
      const report = await analyse(`${depth}-deep ${label}`, file, text, failures);
      assert.equal(report.skipped, undefined, `${depth}-deep ${label}: analysed, not skipped`);
      assert.deepEqual(
        report.findings.map((finding) => `${finding.span.startLine + 1}:${finding.rule}`),
        [`${label === 'blocks' ? 4 : 3}:${DEEP_FINDING}`],
        `${depth}-deep ${label}: the allocation inside is found`,
      );
    }
    assert.deepEqual(failures, [], 'no rule threw');
  });
});

describe('the real server over --stdio', () => {
  const client = serverForSuite();

  const uri = (name: string) => `file:///tmp/kalloc-fuzz-unsaved/${name}`;

  /**
   * Open, hover and ask for code actions at a few places; every request must be answered. Returns
   * the rule ids of the diagnostics published on open.
   */
  async function exercise(name: string, text: string): Promise<string[]> {
    const published = await client.open(uri(name), text);
    assert.ok(Array.isArray(published.diagnostics), `${name}: diagnostics published`);
    const lines = Math.max(1, text.split('\n', 50_000).length);
    for (const line of [0, Math.floor(lines / 2), lines - 1]) {
      await client.request('textDocument/hover', { textDocument: { uri: uri(name) }, position: { line, character: 5 } });
      const actions = await client.request('textDocument/codeAction', {
        textDocument: { uri: uri(name) },
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        context: { diagnostics: [] },
      });
      assert.ok(Array.isArray(actions), `${name}: code actions answered`);
    }
    client.notify('textDocument/didClose', { textDocument: { uri: uri(name) } });
    return published.diagnostics.map((diagnostic: { code: string }) => diagnostic.code);
  }

  /** The server's "skipped" notice for a document, if it sent one. */
  const skipNotice = (name: string) => client.notifications.find((m) => isShowMessage(m) && m.params.message.includes(uri(name)))?.params.message as string | undefined;

  test('10,000-deep nesting (skipped) and nesting just under the limit (analysed)', WATCHDOG, async () => {
    for (const [name, text, reason] of [
      ['parens.c', deepParens(10_000), /brackets nest deeper than/],
      ['blocks.c', deepBlocks(10_000), /brackets nest deeper than/],
      ['ifs.c', deepIfs(10_000), /syntax nests deeper than/],
    ] as const) {
      assert.deepEqual(await exercise(name, text), [], `${name}: no diagnostics`);
      assert.match(skipNotice(name) ?? '', reason, `${name}: the user is told why it is skipped`);
    }
    for (const [name, text] of [
      ['ifs-limit.c', deepIfs(MAX_NESTING - 3)],
      ['blocks-limit.c', deepBlocks(MAX_NESTING - 3)],
    ]) {
      assert.deepEqual(await exercise(name, text), [DEEP_FINDING], `${name}: analysed`);
      assert.equal(skipNotice(name), undefined, `${name}: not skipped`);
    }
  });

  test('truncations and byte flips of one fixture, as a series of edits', WATCHDOG, async () => {
    const file = fixtures.find((candidate) => candidate.includes('atomic')) ?? fixtures[0];
    const text = fs.readFileSync(file, 'utf8');
    const name = 'edited.c';
    await client.open(uri(name), text);
    const random = prng(7);
    let version = 1;
    let current = text;
    for (let step = 0; step < 30; step++) {
      version++;
      if (step % 3 === 0) {
        // Cut the document at a random offset (a full replacement), then restore it.
        current = step % 6 === 0 ? text.slice(0, Math.floor(random() * text.length)) : text;
        client.notify('textDocument/didChange', { textDocument: { uri: uri(name), version }, contentChanges: [{ text: current }] });
      } else {
        const lines = current.split('\n');
        const line = Math.floor(random() * lines.length);
        const character = Math.floor(random() * (lines[line].length + 1));
        const junk = String.fromCharCode(Math.floor(random() * 0x7f));
        client.notify('textDocument/didChange', {
          textDocument: { uri: uri(name), version },
          contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: junk }],
        });
        current = lines.map((content, index) => (index === line ? content.slice(0, character) + junk + content.slice(character) : content)).join('\n');
      }
      await client.diagnosticsFor(uri(name), version);
      await client.request('textDocument/hover', { textDocument: { uri: uri(name) }, position: { line: Math.floor(random() * 40), character: Math.floor(random() * 30) } });
    }
    client.notify('textDocument/didClose', { textDocument: { uri: uri(name) } });
  });

  test('a 50 MB document and a binary one are skipped with a message, the server stays up', WATCHDOG, async () => {
    const line = '\tvoid *p = kmalloc(SZ_8M, GFP_KERNEL); /* padding padding padding */\n';
    const huge = `void f(void)\n{\n${line.repeat(Math.ceil((50 * 1024 * 1024) / line.length))}}\n`;
    const published = await client.open(uri('huge.c'), huge);
    assert.deepEqual(published.diagnostics, []);
    client.notify('textDocument/didClose', { textDocument: { uri: uri('huge.c') } });
    const binary = await client.open(uri('blob.c'), 'int x;\u0000\u0001\u0002\u00ff'.repeat(1000));
    assert.deepEqual(binary.diagnostics, []);
    const hover = await client.request('textDocument/hover', { textDocument: { uri: uri('blob.c') }, position: { line: 0, character: 1 } });
    assert.equal(hover, null);
  });

  test('no handler failed and the server still answers', async () => {
    const handlerFailures = client.notifications.filter((m) => m.method === 'window/logMessage' && /^(open|change|close|hover|codeAction|diagnostics) failed/.test(m.params.message));
    assert.deepEqual(
      handlerFailures.map((m) => m.params.message.split('\n')[0]),
      [],
    );
    assert.doesNotMatch(client.stderr, /Error|exception/i);
    const hover = await client.request('textDocument/hover', { textDocument: { uri: uri('none.c') }, position: { line: 0, character: 0 } });
    assert.equal(hover, null);
  });
});

describe('the CLI on a 50 MB file and a binary file', () => {
  test('both are skipped with a one-line reason, the rest analysed, nothing written', WATCHDOG, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-fuzz-cli-'));
    try {
      const line = '\tvoid *p = kmalloc(64, GFP_KERNEL);\n';
      fs.writeFileSync(path.join(dir, 'huge.c'), `void f(void)\n{\n${line.repeat(Math.ceil((50 * 1024 * 1024) / line.length))}}\n`);
      fs.writeFileSync(path.join(dir, 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0xff, 0xfe]));
      fs.writeFileSync(path.join(dir, 'latin1.c'), Buffer.from('/* Jos\xe9 */\nint x;\n', 'latin1'));
      fs.writeFileSync(path.join(dir, 'deep.c'), deepBlocks(10_000));
      fs.mkdirSync(path.join(dir, 'ifs'));
      fs.writeFileSync(path.join(dir, 'ifs', 'ifs.c'), deepIfs(10_000));
      fs.writeFileSync(path.join(dir, 'ok.c'), deepBlocks(MAX_NESTING - 3));
      const listing = () =>
        fs
          .readdirSync(dir)
          .sort()
          .map((name) => `${name}:${fs.statSync(path.join(dir, name)).mtimeMs}`);
      const filesBefore = listing();
      const result = spawnSync(process.execPath, [path.join(DIST, 'cli.js'), 'check', dir, '--format', 'json', '--jobs', '2', '--file-timeout', '5'], { encoding: 'utf8' });
      // Findings come before skipped files in the exit status (1, not 3): ok.c has one.
      assert.equal(result.status, 1, `a finding and a skipped file: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as { files: number; diagnostics: { file: string; rule: string }[] };
      // ok.c is analysed (its allocation is found); 10,000 nested ifs are refused by the syntax-depth gate.
      assert.match(result.stderr, /skipped .*ifs\.c: syntax nests deeper than 1024 levels/);
      assert.equal(report.files, 1, result.stderr);
      assert.deepEqual(
        report.diagnostics.map((diagnostic) => `${path.basename(diagnostic.file)}:${diagnostic.rule}`),
        [`ok.c:${DEEP_FINDING}`],
      );
      assert.match(result.stderr, /skipped .*huge\.c: larger than/);
      assert.match(result.stderr, /skipped .*blob\.c: binary file/);
      assert.match(result.stderr, /skipped .*latin1\.c: not valid UTF-8/);
      assert.match(result.stderr, /skipped .*deep\.c: brackets nest deeper than/);
      assert.deepEqual(listing(), filesBefore, 'the CLI wrote nothing into the analysed folder');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the skip notes name each file and its reason', WATCHDOG, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-fuzz-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
      fs.writeFileSync(path.join(dir, 'latin1.c'), Buffer.from('/* Jos\xe9 */\nint x;\n', 'latin1'));
      fs.writeFileSync(path.join(dir, 'big.c'), 'int x;\n'.repeat(2000));
      const result = spawnSync(process.execPath, [path.join(DIST, 'cli.js'), 'check', dir, '--max-file-size', '4K'], { encoding: 'utf8' });
      assert.equal(result.status, 3, result.stderr);
      assert.match(result.stderr, /skipped .*blob\.c: binary file/);
      assert.match(result.stderr, /skipped .*latin1\.c: not valid UTF-8/);
      assert.match(result.stderr, /skipped .*big\.c: larger than 4096 bytes/);
      assert.match(result.stderr, /3 files skipped/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('no fixture copy was modified', () => {
  assert.deepEqual(snapshot(fixtures), before_);
  fs.rmSync(COPIES, { recursive: true, force: true });
});
