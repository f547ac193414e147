// The palette commands that manage the server: restart it (and the crash-restart budget) and show
// its output channel; and the command a code lens runs to reveal its chain in the references peek.
import { Location, Position, Range, Uri, commands } from 'vscode';
import { SHOW_CHAIN_COMMAND, ShowChainArguments } from '../../server/src/protocol';
import { LensContext } from './lensContext';

function showChain(args: ShowChainArguments | undefined): Thenable<unknown> | undefined {
  if (!args || !Array.isArray(args.locations)) return undefined;
  const locations = args.locations.map(
    (location) => new Location(Uri.parse(location.uri), new Range(location.range.start.line, location.range.start.character, location.range.end.line, location.range.end.character)),
  );
  return commands.executeCommand('editor.action.showReferences', Uri.parse(args.uri), new Position(args.position.line, args.position.character), locations);
}

export function activate(context: LensContext): void {
  context.subscriptions.push(
    commands.registerCommand('kernelAllocLens.restartServer', async () => {
      context.restarts.reset();
      await context.client.restart();
    }),
    commands.registerCommand('kernelAllocLens.showOutput', () => context.outputChannel.show()),
    commands.registerCommand(SHOW_CHAIN_COMMAND, showChain),
  );
}
