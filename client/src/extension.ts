// The extension client: starts the language server over IPC and adds only what the editor needs
// (a restart command, an output channel). No analysis runs in the extension host.
import * as path from 'path';
import { ExtensionContext, commands, window } from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const outputChannel = window.createOutputChannel('Kernel Alloc Lens', { log: true });
  let restarts = 0;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
    ],
    synchronize: { configurationSection: 'kernelAllocLens' },
    outputChannel,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      // Restart a crashed server, but not in a loop: five restarts per session at most.
      closed: () => {
        restarts++;
        if (restarts <= 5) return { action: CloseAction.Restart, message: `Kernel Alloc Lens server stopped; restarting (${restarts}/5).` };
        return { action: CloseAction.DoNotRestart, message: 'Kernel Alloc Lens server stopped five times; run "Kernel Alloc Lens: Restart Server" after checking the output channel.' };
      },
    },
  };
  client = new LanguageClient('kernelAllocLens', 'Kernel Alloc Lens', serverOptions, clientOptions);
  context.subscriptions.push(
    commands.registerCommand('kernelAllocLens.restartServer', async () => {
      restarts = 0;
      await client?.restart();
    }),
    commands.registerCommand('kernelAllocLens.showOutput', () => outputChannel.show()),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
