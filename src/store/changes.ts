// Change notifications: every write that a device could see (an item in a folder, the folder
// hierarchy) is announced after it commits. Ping and hanging Sync wait on this instead of polling.
// SQLite (one node) announces in process; PostgreSQL uses LISTEN/NOTIFY so every node hears it.

export interface ChangeEvent {
  userId: number;
  /** The folder whose items changed; absent when only the hierarchy changed. */
  folderId?: number | undefined;
  hierarchy?: boolean | undefined;
}

export type ChangeListener = (event: ChangeEvent) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(event: ChangeEvent): void {
    for (const l of this.listeners) {
      try { l(event); } catch { /* a listener's failure is its own */ }
    }
  }
}
