// The allocator-map webview: the kernel's allocation layers, page allocator at the bottom, with the
// path of the allocation under the cursor highlighted and its figures. All data comes from the
// language server (`kernelAllocLens/allocationAt`, server/src/features/allocationMap.ts); this
// file hosts the panel and feeds it, allocatorMapView.ts draws it. The page loads nothing: a
// strict Content-Security-Policy allows one inline style and one script by nonce, and colours come
// from the theme's CSS variables.
import { randomBytes } from 'crypto';
import { Disposable, Position, TextEditor, Uri, ViewColumn, WebviewPanel, window } from 'vscode';
import { AllocationMap, page, renderMap } from './allocatorMapView';
import { isServedDocument } from './lensContext';

export type { AllocationMap } from './allocatorMapView';

export type AllocationAt = (uri: Uri, position: Position) => Promise<AllocationMap | null>;

/** One panel at a time; it follows the active editor's cursor until closed. */
export class AllocatorMapPanel implements Disposable {
  private static current: AllocatorMapPanel | undefined;
  private readonly disposables: Disposable[] = [];
  private ready = false;
  private pendingHtml: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** What the panel shows now, for tests and for the status line. */
  shown: { api?: string; line?: number; uri?: string } = {};

  static show(allocationAt: AllocationAt, target?: { uri: Uri; position: Position }): AllocatorMapPanel {
    if (AllocatorMapPanel.current) {
      AllocatorMapPanel.current.panel.reveal(ViewColumn.Beside, true);
    } else {
      const panel = window.createWebviewPanel('kernelAllocLens.allocatorMap', 'Allocator Map', { viewColumn: ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
      AllocatorMapPanel.current = new AllocatorMapPanel(panel, allocationAt);
    }
    const current = AllocatorMapPanel.current;
    void (target ? current.update(target.uri, target.position) : current.followEditor(window.activeTextEditor));
    return current;
  }

  static get instance(): AllocatorMapPanel | undefined {
    return AllocatorMapPanel.current;
  }

  private constructor(
    readonly panel: WebviewPanel,
    private readonly allocationAt: AllocationAt,
  ) {
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = page(nonce);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: { ready?: boolean }) => {
        if (!message?.ready) return;
        this.ready = true;
        if (this.pendingHtml !== undefined) void panel.webview.postMessage({ html: this.pendingHtml });
      }),
      window.onDidChangeTextEditorSelection((event) => this.schedule(event.textEditor)),
      window.onDidChangeActiveTextEditor((editor) => this.schedule(editor)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Cursor moves come in bursts while typing or selecting: draw once they settle. */
  private schedule(editor: TextEditor | undefined): void {
    if (!editor || !isServedDocument(editor.document)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.followEditor(editor), 60);
  }

  private async followEditor(editor: TextEditor | undefined): Promise<void> {
    if (!editor || !isServedDocument(editor.document)) return this.draw(null, '');
    await this.update(editor.document.uri, editor.selection.active);
  }

  async update(uri: Uri, position: Position): Promise<void> {
    let map: AllocationMap | null = null;
    try {
      map = await this.allocationAt(uri, position);
    } catch {
      map = null;
    }
    this.shown = { api: map?.allocation?.api, line: map?.allocation?.line, uri: uri.toString() };
    this.draw(map, uri.path.split('/').pop() ?? '');
  }

  private draw(map: AllocationMap | null, where: string): void {
    const html = renderMap(map, where);
    this.pendingHtml = html;
    if (this.ready) void this.panel.webview.postMessage({ html });
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    if (AllocatorMapPanel.current === this) AllocatorMapPanel.current = undefined;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
