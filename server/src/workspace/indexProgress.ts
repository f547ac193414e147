// LSP plumbing of the workspace index: the $/progress notification while indexing (created with
// window/workDoneProgress/create when the client supports it) and the dynamic registration of a
// file watcher for C sources, so the index hears of files changed outside the editor.
import { ClientCapabilities, Connection, DidChangeWatchedFilesNotification, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { IndexProgress } from './workspaceIndex';

/** A progress reporter for one indexing run, or undefined when the client cannot show one. */
export function workDoneProgress(connection: Connection, capabilities: ClientCapabilities): IndexProgress | undefined {
  if (!capabilities.window?.workDoneProgress) return undefined;
  let reporter: WorkDoneProgressServerReporter | undefined;
  let title = '';
  let ended = false;
  let latest: { percentage: number; message: string } | undefined;
  const creating = connection.window.createWorkDoneProgress().then(
    (created) => {
      reporter = created;
      if (ended) {
        created.done();
        return;
      }
      created.begin(title, latest?.percentage ?? 0, latest?.message, false);
    },
    () => undefined,
  );
  void creating;
  return {
    begin(text) {
      title = text;
    },
    report(done, total, message) {
      latest = { percentage: total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 0, message };
      reporter?.report(latest.percentage, message);
    },
    end() {
      if (ended) return;
      ended = true;
      reporter?.done();
    },
  };
}

/** Registers a watcher for .c/.h files when the client allows dynamic registration. */
export function watchSourceFiles(connection: Connection, capabilities: ClientCapabilities): void {
  if (!capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
  void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] }).catch(() => undefined);
}
