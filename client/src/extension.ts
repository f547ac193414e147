// The extension client: starts the language server and activates each feature of the client —
// the server commands, the status bar, the allocator map — with the same context, as
// vscode-clangd does. No analysis runs in the extension host: every answer, including the map's
// data and the detected kernel configuration, comes from the server.
import { ExtensionContext, Position, Uri, window } from 'vscode';
import * as allocatorMap from './showAllocatorMap';
import * as commands from './commands';
import { createLanguageClient } from './languageClient';
import { LensContext, RestartBudget } from './lensContext';
import * as statusBar from './statusBar';
import type { AllocationMap } from './allocatorMap';

/** What activate() returns: a small API the integration tests use to see what the user sees. */
export interface KernelAllocLensApi {
  allocationAt(uri: Uri, position: Position): Promise<AllocationMap | null>;
  allocatorMapState(): { visible: boolean; api?: string; line?: number } | undefined;
  statusText(): string | undefined;
}

let lens: LensContext | undefined;

export async function activate(extension: ExtensionContext): Promise<KernelAllocLensApi> {
  const outputChannel = window.createOutputChannel('Kernel Alloc Lens', { log: true });
  extension.subscriptions.push(outputChannel);
  const restarts = new RestartBudget();
  const context = new LensContext(createLanguageClient(extension, outputChannel, restarts), outputChannel, restarts);
  lens = context;
  extension.subscriptions.push(context);
  // Features register before the client starts, so their commands exist even if the server fails to start.
  commands.activate(context);
  const map = allocatorMap.activate(context);
  const status = statusBar.activate(context);
  await context.client.start();
  return { allocationAt: map.allocationAt, allocatorMapState: map.state, statusText: status.text };
}

export async function deactivate(): Promise<void> {
  await lens?.client.stop();
  lens = undefined;
}
