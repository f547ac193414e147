// The palette commands that manage the server: restart it (and the crash-restart budget) and show
// its output channel.
import { commands } from 'vscode';
import { LensContext } from './lensContext';

export function activate(context: LensContext): void {
  context.subscriptions.push(
    commands.registerCommand('kernelAllocLens.restartServer', async () => {
      context.restarts.reset();
      await context.client.restart();
    }),
    commands.registerCommand('kernelAllocLens.showOutput', () => context.outputChannel.show()),
  );
}
