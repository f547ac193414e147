// What every client feature gets in its activate(): the running language client, the output
// channel, and one list of disposables. The documents the extension serves are chosen here once.
import { Disposable, DocumentFilter, LogOutputChannel, TextDocument, languages } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/**
 * C files, and `.h` files VS Code opens as C++: the server analyses such a header only when it is
 * a kernel or driver header (server/src/workspace/headerScope.ts) and answers nothing for the rest.
 */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'c' },
  { scheme: 'untitled', language: 'c' },
  { scheme: 'file', language: 'cpp', pattern: '**/*.h' },
] satisfies DocumentFilter[];

/** Whether the extension sends this document to the server. */
export function isServedDocument(document: TextDocument): boolean {
  return languages.match(DOCUMENT_SELECTOR, document) > 0;
}

/** Restarts after a crash, but not in a loop: five per session until the user restarts by hand. */
export class RestartBudget {
  static readonly LIMIT = 5;
  private used = 0;

  /** Takes one restart; false when the budget is spent. */
  take(): boolean {
    this.used++;
    return this.used <= RestartBudget.LIMIT;
  }

  get count(): number {
    return this.used;
  }

  reset(): void {
    this.used = 0;
  }
}

export class LensContext implements Disposable {
  readonly subscriptions: Disposable[] = [];

  constructor(
    readonly client: LanguageClient,
    readonly outputChannel: LogOutputChannel,
    readonly restarts: RestartBudget,
  ) {}

  dispose(): void {
    for (const disposable of this.subscriptions.splice(0)) disposable.dispose();
  }
}
