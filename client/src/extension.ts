// The extension client: starts the language server over IPC and adds only what the editor needs —
// commands, the status bar item showing the model in use, and the allocator-map webview host. No
// analysis runs in the extension host: every answer, including the map's data and the detected
// kernel configuration, comes from the server.
import * as path from 'path';
import {
  ExtensionContext,
  MarkdownString,
  Position,
  StatusBarAlignment,
  StatusBarItem,
  Uri,
  commands,
  window,
  workspace,
} from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { AllocationMap, AllocatorMapPanel } from './allocatorMap';

const SHOW_MAP = 'kernelAllocLens.showAllocatorMap';

interface ModelInUse {
  label: string;
  description: string;
  sources: { kernel: string; arch: string; pageSize: string };
  problem?: string;
}

/** What activate() returns: a small API the integration tests use to see what the user sees. */
export interface KernelAllocLensApi {
  allocationAt(uri: Uri, position: Position): Promise<AllocationMap | null>;
  allocatorMapState(): { visible: boolean; api?: string; line?: number } | undefined;
  statusText(): string | undefined;
}

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<KernelAllocLensApi> {
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
    // The server appends a `command:` link to the allocator map to allocation hovers only for
    // clients that ask, since other editors cannot run it.
    initializationOptions: { allocatorMapLinks: true },
    middleware: {
      // Trust hover markdown for exactly one command, the map; every other command link stays inert.
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        for (const part of hover?.contents ?? []) {
          if (part instanceof MarkdownString) part.isTrusted = { enabledCommands: [SHOW_MAP] };
        }
        return hover;
      },
    },
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
  const languageClient = new LanguageClient('kernelAllocLens', 'Kernel Alloc Lens', serverOptions, clientOptions);
  client = languageClient;

  const allocationAt = async (uri: Uri, position: Position): Promise<AllocationMap | null> => {
    if (!languageClient.isRunning()) return null;
    return languageClient.sendRequest<AllocationMap | null>('kernelAllocLens/allocationAt', {
      textDocument: { uri: languageClient.code2ProtocolConverter.asUri(uri) },
      position: { line: position.line, character: position.character },
    });
  };

  const status = window.createStatusBarItem('kernelAllocLens.model', StatusBarAlignment.Right, 100);
  status.name = 'Kernel Alloc Lens model';
  status.command = { title: 'Open Kernel Alloc Lens settings', command: 'workbench.action.openSettings', arguments: ['kernelAllocLens'] };
  const refreshStatus = () => void updateStatus(languageClient, status);

  context.subscriptions.push(
    outputChannel,
    status,
    commands.registerCommand('kernelAllocLens.restartServer', async () => {
      restarts = 0;
      await languageClient.restart();
      refreshStatus();
    }),
    commands.registerCommand('kernelAllocLens.showOutput', () => outputChannel.show()),
    // From the palette: the allocation under the cursor. From a hover link: the hovered call.
    commands.registerCommand(SHOW_MAP, (target?: { uri: string; line: number; character: number }) => {
      const parsed = target && typeof target.uri === 'string' ? { uri: Uri.parse(target.uri), position: new Position(target.line, target.character) } : undefined;
      AllocatorMapPanel.show(allocationAt, parsed);
    }),
    window.onDidChangeActiveTextEditor(refreshStatus),
    { dispose: () => AllocatorMapPanel.instance?.dispose() },
  );
  await languageClient.start();
  context.subscriptions.push(languageClient.onNotification('kernelAllocLens/modelChanged', refreshStatus));
  refreshStatus();

  return {
    allocationAt,
    allocatorMapState: () => {
      const panel = AllocatorMapPanel.instance;
      return panel ? { visible: panel.panel.visible, api: panel.shown.api, line: panel.shown.line } : undefined;
    },
    statusText: () => (status.text ? status.text : undefined),
  };
}

/** Shows `kernel 6.12 · x86_64 · 4K` for the active C file, with where each value came from. */
async function updateStatus(languageClient: LanguageClient, status: StatusBarItem): Promise<void> {
  const editor = window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'c' || !languageClient.isRunning()) {
    if (!workspace.textDocuments.some((document) => document.languageId === 'c')) status.hide();
    return;
  }
  try {
    const model = await languageClient.sendRequest<ModelInUse | null>('kernelAllocLens/modelInUse', { uri: languageClient.code2ProtocolConverter.asUri(editor.document.uri) });
    if (!model) return;
    status.text = `$(circuit-board) ${model.label}`;
    const tooltip = new MarkdownString(
      [
        `**Kernel Alloc Lens** models ${model.description}.`,
        '',
        `- kernel version: ${model.sources.kernel}`,
        `- architecture: ${model.sources.arch}`,
        `- page size: ${model.sources.pageSize}`,
        ...(model.problem ? ['', `_${model.problem}_`] : []),
        '',
        'Click to change the `kernelAllocLens` settings ("auto" detects from the kernel tree).',
      ].join('\n'),
    );
    status.tooltip = tooltip;
    status.show();
  } catch {
    // The server restarts; the next editor change or modelChanged notification refreshes.
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
