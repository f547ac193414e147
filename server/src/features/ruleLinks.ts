// Where each rule is documented: its section of the README on GitHub. The README heads each
// rule's section `### \`rule-id\``, and GitHub derives the section's anchor from the heading text;
// a unit test (test/unit/ruleLinks.test.ts) checks every registered rule against the README.
// No LSP types here, so the CLI's SARIF output can link the same pages.

/** The project's home, as package.json's `repository` names it. */
export const REPOSITORY_URL = 'https://github.com/kernel-alloc-lens/kernel-alloc-lens';

/**
 * The anchor GitHub gives a Markdown heading: lower case, punctuation other than `-` and `_`
 * dropped (backticks included), each space a `-` (github-slugger, which github.com uses).
 */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The README heading of a rule's section. */
export function ruleHeading(ruleId: string): string {
  return `\`${ruleId}\``;
}

export function ruleDocumentationUrl(ruleId: string): string {
  return `${REPOSITORY_URL}#${githubAnchor(ruleHeading(ruleId))}`;
}
