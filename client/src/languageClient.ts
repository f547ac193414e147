// The LanguageClient: the bundled server over IPC, the documents it serves, hover links it may
// run, and what happens when the server stops.
import { ExtensionContext, LogOutputChannel, MarkdownString } from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { InitializationOptions, SHOW_ALLOCATOR_MAP_COMMAND } from '../../server/src/protocol';
import { DOCUMENT_SELECTOR, RestartBudget } from './lensContext';

export function createLanguageClient(extension: ExtensionContext, outputChannel: LogOutputChannel, restarts: RestartBudget): LanguageClient {
  const serverModule = extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // The server appends a `command:` link to the allocator map to allocation hovers, and gives code
  // lenses the command that reveals their chain (commands.ts), only for clients that ask, since
  // other editors cannot run them.
  const initializationOptions: InitializationOptions = { allocatorMapLinks: true, showChainCommand: true };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { configurationSection: 'kernelAllocLens' },
    outputChannel,
    initializationOptions,
    middleware: {
      // Trust hover markdown for exactly one command, the map; every other command link stays inert.
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        for (const part of hover?.contents ?? []) {
          if (part instanceof MarkdownString) part.isTrusted = { enabledCommands: [SHOW_ALLOCATOR_MAP_COMMAND] };
        }
        return hover;
      },
    },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        if (restarts.take()) return { action: CloseAction.Restart, message: `Kernel Alloc Lens server stopped; restarting (${restarts.count}/${RestartBudget.LIMIT}).` };
        return { action: CloseAction.DoNotRestart, message: 'Kernel Alloc Lens server stopped five times; run "Kernel Alloc Lens: Restart Server" after checking the output channel.' };
      },
    },
  };
  return new LanguageClient('kernelAllocLens', 'Kernel Alloc Lens', serverOptions, clientOptions);
}
