// The allocator-map command: from the palette or the editor menu it maps the allocation under
// the cursor, from a hover link the hovered call. The panel itself is allocatorMap.ts; its data
// is the server's answer to kernelAllocLens/allocationAt.
import { Position, Uri, commands } from 'vscode';
import { AllocationAtRequest, SHOW_ALLOCATOR_MAP_COMMAND } from '../../server/src/protocol';
import { AllocationMap, AllocatorMapPanel } from './allocatorMap';
import { LensContext } from './lensContext';

export interface AllocatorMapFeature {
  allocationAt(uri: Uri, position: Position): Promise<AllocationMap | null>;
  /** What the open panel shows (for the integration tests); undefined when no panel is open. */
  state(): { visible: boolean; api?: string; line?: number } | undefined;
}

export function activate(context: LensContext): AllocatorMapFeature {
  const { client } = context;
  const allocationAt = async (uri: Uri, position: Position): Promise<AllocationMap | null> => {
    if (!client.isRunning()) return null;
    return client.sendRequest(AllocationAtRequest, {
      textDocument: { uri: client.code2ProtocolConverter.asUri(uri) },
      position: { line: position.line, character: position.character },
    });
  };
  context.subscriptions.push(
    commands.registerCommand(SHOW_ALLOCATOR_MAP_COMMAND, (target?: { uri: string; line: number; character: number }) => {
      const parsed = target && typeof target.uri === 'string' ? { uri: Uri.parse(target.uri), position: new Position(target.line, target.character) } : undefined;
      AllocatorMapPanel.show(allocationAt, parsed);
    }),
    { dispose: () => AllocatorMapPanel.instance?.dispose() },
  );
  return {
    allocationAt,
    state: () => {
      const panel = AllocatorMapPanel.instance;
      return panel ? { visible: panel.panel.visible, api: panel.shown.api, line: panel.shown.line } : undefined;
    },
  };
}
