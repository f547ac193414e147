// `npm run bench:precision -- FINDINGS.json SEED OUT.md [--tuned a,b,…] [--root DIR] [--exclude-sample T.md] [--hints]`: draws the
// seeded precision sample of issue 12 from a `kalloc check --format json` run over a kernel tree.
// Findings under the tuned subsystems (the ones read while fixing false-positive classes) are left
// out, so what remains is code nobody tuned on. Quotas: the two sleep rules pooled, 60; every other
// rule 20 (all of them when fewer). Writes a table with an empty verdict column to fill in against
// the source, and OUT.excerpts.md with the source lines around each sampled finding.
// `--exclude-sample EARLIER.md` leaves out the rows an earlier sample's table lists.
import * as fs from 'fs';
import * as path from 'path';
import type { JsonDiagnostic } from '../server/src/cliFormats';

/** Subsystems used to find and fix false-positive classes (issue 12's list plus sound/ and fs/). */
const DEFAULT_TUNED = ['drivers/net', 'drivers/usb', 'drivers/staging', 'drivers/scsi', 'drivers/input', 'drivers/hid', 'drivers/infiniband', 'sound', 'fs'];
const SLEEP_RULES = new Set(['gfp-sleep-in-atomic', 'sleep-in-atomic']);
const QUOTA = { sleep: 60, other: 20 };
const EXCERPT_LINES = 6;

/** mulberry32: a small seeded generator, so the same seed draws the same sample on any machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: T[], count: number, random: () => number): T[] {
  if (items.length <= count) return items;
  const pool = [...items];
  for (let index = pool.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [pool[index], pool[other]] = [pool[other], pool[index]];
  }
  return pool.slice(0, count);
}

/** The kernel tree's root: the folder above the findings' drivers/, sound/, … (`.` for paths relative to it). */
function treeRoot(files: string[]): string {
  const marker = files.map((file) => file.match(/^(?:(.*?)\/)?(?:drivers|sound|fs|net|arch|kernel|mm|block|crypto|lib)\//)).find((match) => match !== null);
  return marker ? (marker[1] ?? '.') : path.dirname(files[0] ?? '.');
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [, value] = args.splice(at, 2);
    return value;
  };
  const tunedFlag = flag('--tuned');
  // Findings of a run started inside the tree have relative paths: --root says where they are.
  const rootFlag = flag('--root');
  // A fresh draw after a class was fixed: leave out the findings an earlier sample already read.
  const readFlag = flag('--exclude-sample');
  const alreadyRead = new Set(readFlag ? [...fs.readFileSync(readFlag, 'utf8').matchAll(/^\| \d+ \| [a-z-]+ \| \w+ \| (\S+:\d+) \|/gm)].map((match) => match[1]) : []);
  const withHints = args.includes('--hints');
  const [input, seedText, out] = args.filter((arg) => arg !== '--hints');
  if (!input || !seedText || !out || !/^\d+$/.test(seedText)) {
    process.stderr.write('usage: npm run bench:precision -- FINDINGS.json SEED OUT.md [--tuned drivers/net,sound,…] [--root KERNEL_TREE] [--hints]\n');
    process.exit(2);
  }
  const tuned = tunedFlag ? tunedFlag.split(',').filter(Boolean) : DEFAULT_TUNED;
  const report = JSON.parse(fs.readFileSync(input, 'utf8')) as { diagnostics: JsonDiagnostic[] };
  const root = rootFlag ?? treeRoot(report.diagnostics.map((finding) => finding.file));
  const relative = (file: string): string => (path.isAbsolute(file) ? path.relative(root, file) : path.normalize(file));
  const isTuned = (file: string): boolean => tuned.some((prefix) => relative(file) === prefix || relative(file).startsWith(`${prefix}/`));
  const fresh = report.diagnostics
    .filter((finding) => !isTuned(finding.file) && (withHints || finding.severity !== 'hint') && !alreadyRead.has(`${relative(finding.file)}:${finding.line}`))
    .sort((a, b) => a.rule.localeCompare(b.rule) || relative(a.file).localeCompare(relative(b.file)) || a.line - b.line || a.column - b.column);
  const byPool = new Map<string, JsonDiagnostic[]>();
  for (const finding of fresh) {
    const pool = SLEEP_RULES.has(finding.rule) ? 'sleep rules' : finding.rule;
    byPool.set(pool, [...(byPool.get(pool) ?? []), finding]);
  }
  const random = seededRandom(Number(seedText));
  const rows: JsonDiagnostic[] = [];
  for (const pool of [...byPool.keys()].sort()) rows.push(...sample(byPool.get(pool)!, pool === 'sleep rules' ? QUOTA.sleep : QUOTA.other, random));

  const counts = new Map<string, number>();
  for (const finding of fresh) counts.set(finding.rule, (counts.get(finding.rule) ?? 0) + 1);
  const lines = [
    `# Precision sample, seed ${seedText}`,
    '',
    `From ${input}: ${report.diagnostics.length} findings, ${fresh.length} outside the tuned subsystems (${tuned.join(', ')})${withHints ? '' : ', hints left out'}.`,
    '',
    '| rule | fresh findings | sampled |',
    '|---|---|---|',
    ...[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([rule, count]) => `| ${rule} | ${count} | ${rows.filter((row) => row.rule === rule).length} |`),
    '',
    '| # | rule | severity | file:line | verdict (TRUE/FALSE/UNCLEAR) | reason / FP cause |',
    '|---|---|---|---|---|---|',
    ...rows.map((finding, index) => `| ${index + 1} | ${finding.rule} | ${finding.severity} | ${relative(finding.file)}:${finding.line} |  |  |`),
    '',
  ];
  fs.writeFileSync(out, lines.join('\n'));

  const excerpts: string[] = [`# Excerpts for ${path.basename(out)}`, ''];
  rows.forEach((finding, index) => {
    excerpts.push(`## ${index + 1}. ${finding.rule} at ${relative(finding.file)}:${finding.line}:${finding.column}`, '', finding.message, '');
    for (const related of finding.related ?? []) excerpts.push(`- ${relative(related.file)}:${related.line}: ${related.message}`);
    let source: string[];
    try {
      source = fs.readFileSync(path.resolve(root, finding.file), 'utf8').split('\n');
    } catch {
      source = [];
    }
    const first = Math.max(0, finding.line - 1 - EXCERPT_LINES);
    const last = Math.min(source.length, finding.line + EXCERPT_LINES);
    excerpts.push('', '```c', ...source.slice(first, last).map((text, offset) => `${first + offset + 1 === finding.line ? '>' : ' '}${String(first + offset + 1).padStart(5)}  ${text}`), '```', '');
  });
  fs.writeFileSync(out.replace(/\.md$/, '') + '.excerpts.md', excerpts.join('\n'));
  process.stdout.write(`${rows.length} findings sampled of ${fresh.length} fresh; table in ${out}\n`);
}

main();
