/** The dataset tree: workspace folders → folders holding images → images, with targeted refresh. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { DatasetChange, DatasetModel } from './datasetModel';
import { FolderNode } from './folderNode';
import { ImageNode } from './imageNode';
import { RootNode } from './rootNode';

/** Up to this many unread mask sources are read before a folder's images are listed. */
const EAGER_SOURCES = 2000;

/** Any node of the dataset tree. */
export type DatasetNode = RootNode | FolderNode | ImageNode;

/** What the tree needs to know about prompts: which images are prompt examples. */
export interface PromptMarks {
  isPromptImage(image: string): boolean;
  /** Fires with the images whose prompt mark changed. */
  readonly onDidChangePromptImages: vscode.Event<readonly string[]>;
}

/** Tree data provider over the dataset model; nodes are cached so refreshes can target them. */
export class DatasetTreeProvider
  extends Disposable
  implements vscode.TreeDataProvider<DatasetNode>
{
  private readonly changed = this._register(
    new vscode.EventEmitter<DatasetNode | DatasetNode[] | undefined>(),
  );
  /** Fires for the nodes to refresh (undefined: everything). */
  readonly onDidChangeTreeData = this.changed.event;
  private roots: RootNode[] = [];
  private readonly folders = new Map<string, FolderNode>();
  private readonly images = new Map<string, ImageNode>();
  /** Folders whose mask sources are being read in the background. */
  private readonly reading = new Set<string>();

  constructor(
    private readonly model: DatasetModel,
    private readonly prompts: PromptMarks,
    private readonly rootNames: (root: string) => string,
  ) {
    super();
    this._register(model.onDidChange((e) => this.onModelChange(e)));
    this._register(prompts.onDidChangePromptImages((imgs) => this.refreshImages(imgs)));
    this.resetNodes();
  }

  /** Children: roots, a root's image folders, or a folder's images (mask sources read first). */
  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (!node) return this.roots;
    if (node.kind === 'root') {
      const index = await this.model.index(node.root);
      // The description (folder count) is known now that the root is scanned.
      return index.folders().map((dir) => this.folderNode(node, dir));
    }
    if (node.kind === 'folder') {
      const index = await this.model.index(node.parent.root);
      const images = index.images(node.dir);
      if (this.model.unreadSources(index, images) <= EAGER_SOURCES) {
        await this.model.loadStates(index, images);
      } else if (!this.reading.has(node.dir)) {
        // A huge folder is listed at once (masks shown as "mask"), states follow when read.
        this.reading.add(node.dir);
        void this.model.loadStates(index, images).finally(() => {
          this.reading.delete(node.dir);
          this.changed.fire(node);
        });
      }
      return images.map((image) => this.imageNode(node, image));
    }
    return [];
  }

  /** The tree item of a node, from the model's current state. */
  async getTreeItem(node: DatasetNode): Promise<vscode.TreeItem> {
    if (node.kind === 'root') {
      const index = await this.model.indexIfScanned(node.root);
      return node.toTreeItem(index?.folders().length);
    }
    const index = await this.model.index(
      node.kind === 'folder' ? node.parent.root : node.parent.parent.root,
    );
    if (node.kind === 'folder') return node.toTreeItem(index.folderCounts(node.dir));
    return node.toTreeItem(
      this.model.imageState(index, node.image),
      index.maskOf(node.image),
      this.prompts.isPromptImage(node.image),
    );
  }

  /** Parent of a node (lets `TreeView.reveal` work). */
  getParent(node: DatasetNode): DatasetNode | undefined {
    return node.kind === 'root' ? undefined : node.parent;
  }

  /** The node of an image, building its parents, for `reveal`; undefined if not listed. */
  async findImage(image: string): Promise<ImageNode | undefined> {
    const rootPath = this.model.rootOf(image);
    const root = this.roots.find((r) => r.root === rootPath);
    if (!root) return undefined;
    const index = await this.model.index(root.root);
    if (!index.hasImage(image)) return undefined;
    const folder = this.folderNode(root, path.dirname(image));
    return this.imageNode(folder, image);
  }

  /** Rebuilds everything (workspace folders or the template changed). */
  refreshAll(): void {
    this.resetNodes();
    this.changed.fire(undefined);
  }

  private onModelChange(e: DatasetChange): void {
    if (!e.root || !e.change) {
      this.refreshAll();
      return;
    }
    const root = this.roots.find((r) => r.root === e.root);
    if (!root) return;
    if (e.change.structure) {
      this.changed.fire(root);
      return;
    }
    // A folder refresh re-lists its images (and updates its count); images of folders that are
    // not refreshed anyway get their own refresh.
    const nodes: DatasetNode[] = [];
    for (const dir of e.change.folders) {
      const f = this.folders.get(dir);
      if (f) nodes.push(f);
    }
    for (const image of e.change.images) {
      const n = this.images.get(image);
      if (n && !e.change.folders.has(n.parent.dir)) nodes.push(n);
    }
    if (nodes.length) this.changed.fire(nodes);
  }

  private refreshImages(images: readonly string[]): void {
    const nodes = images.map((i) => this.images.get(i)).filter((n): n is ImageNode => !!n);
    if (nodes.length) this.changed.fire(nodes);
  }

  private resetNodes(): void {
    this.folders.clear();
    this.images.clear();
    this.roots = this.model.rootPaths.map((r) => new RootNode(r, this.rootNames(r)));
  }

  private folderNode(root: RootNode, dir: string): FolderNode {
    let n = this.folders.get(dir);
    if (!n || n.parent !== root) {
      n = new FolderNode(root, dir);
      this.folders.set(dir, n);
    }
    return n;
  }

  private imageNode(folder: FolderNode, image: string): ImageNode {
    let n = this.images.get(image);
    if (!n || n.parent !== folder) {
      n = new ImageNode(folder, image);
      this.images.set(image, n);
    }
    return n;
  }
}
