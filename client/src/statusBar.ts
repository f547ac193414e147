// The status bar item: the model the figures of the active file hold for (`kernel 6.12 · x86_64 ·
// 4K`), with where each value came from, as the server answers kernelAllocLens/modelInUse. Hidden
// for files the server does not analyse (it answers null, e.g. for a C++ header). When the file
// builds against a kernel source tree, the item also says whether that tree is indexed.
import { MarkdownString, StatusBarAlignment, window } from 'vscode';
import { State } from 'vscode-languageclient/node';
import { IndexInUse, ModelChangedNotification, ModelInUse, ModelInUseRequest } from '../../server/src/protocol';
import { LensContext, isServedDocument } from './lensContext';

export interface StatusBar {
  /** The text shown, or undefined while hidden (for the integration tests). */
  text(): string | undefined;
}

export function activate(context: LensContext): StatusBar {
  const { client } = context;
  const item = window.createStatusBarItem('kernelAllocLens.model', StatusBarAlignment.Right, 100);
  item.name = 'Kernel Alloc Lens model';
  item.command = { title: 'Open Kernel Alloc Lens settings', command: 'workbench.action.openSettings', arguments: ['kernelAllocLens'] };
  let visible = false;
  // Answers can arrive out of order while the user switches files: only the latest counts.
  let asked = 0;
  const refresh = async () => {
    const editor = window.activeTextEditor;
    const ask = ++asked;
    if (!editor || !isServedDocument(editor.document) || !client.isRunning()) {
      // Focus on a non-editor part (the Problems panel, the map) keeps the item as it was.
      if (editor) hide();
      return;
    }
    try {
      const model = await client.sendRequest(ModelInUseRequest, { uri: client.code2ProtocolConverter.asUri(editor.document.uri) });
      if (ask !== asked) return;
      if (model) show(model);
      else hide();
    } catch {
      // The server restarts; the next editor change, state change or modelChanged notification refreshes.
    }
  };
  const hide = () => {
    visible = false;
    item.hide();
  };
  const show = (model: ModelInUse) => {
    item.text = `$(circuit-board) ${model.label}${model.index ? ` · ${indexLabel(model.index)}` : ''}`;
    item.tooltip = new MarkdownString(
      [
        `**Kernel Alloc Lens** models ${model.description}.`,
        '',
        `- kernel version: ${model.sources.kernel}`,
        `- architecture: ${model.sources.arch}`,
        `- page size: ${model.sources.pageSize}`,
        ...(model.problem ? ['', `_${model.problem}_`] : []),
        ...(model.index ? ['', indexDescription(model.index)] : []),
        '',
        'Click to change the `kernelAllocLens` settings ("auto" detects from the kernel tree).',
      ].join('\n'),
    );
    visible = true;
    item.show();
  };
  context.subscriptions.push(
    item,
    window.onDidChangeActiveTextEditor(() => void refresh()),
    client.onNotification(ModelChangedNotification, () => void refresh()),
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) void refresh();
    }),
  );
  void refresh();
  return { text: () => (visible && item.text ? item.text : undefined) };
}

/** The item's words for the index of the tree in use. */
function indexLabel(index: IndexInUse): string {
  switch (index.state) {
    case 'loaded':
      return 'indexed';
    case 'loading':
    case 'building':
      return 'indexing…';
    default:
      return 'no index';
  }
}

function indexDescription(index: IndexInUse): string {
  const tree = `\`${index.root}\` (kernel ${index.version})`;
  switch (index.state) {
    case 'loaded':
      return `Kernel tree index: ${tree}, ${index.files ?? 0} files. Findings also use what the tree's other folders define.`;
    case 'loading':
      return `Loading the index of ${tree}.`;
    case 'building':
      return `Building the index of ${tree} in the background; findings use the file's folder until it is ready.`;
    case 'failed':
      return `Building the index of ${tree} failed: ${index.problem ?? 'see the output channel'}.`;
    default:
      return `${tree} has no index${index.problem ? ` (${index.problem})` : ''}: run \`kalloc index ${index.root}\`, or set \`kernelAllocLens.index.build\` to \`auto\`.`;
  }
}
