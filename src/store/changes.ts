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
  private readonly everyone = new Set<ChangeListener>();
  /** Listeners for one account, so an event costs the same however many devices wait elsewhere. */
  private readonly byUser = new Map<number, Set<ChangeListener>>();

  /** Hears every change, or (with `userId`) only that account's. */
  subscribe(listener: ChangeListener, userId?: number): () => void {
    if (userId === undefined) {
      this.everyone.add(listener);
      return () => this.everyone.delete(listener);
    }
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byUser.get(userId) === set) this.byUser.delete(userId);
    };
  }

  get size(): number {
    let n = this.everyone.size;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  emit(event: ChangeEvent): void {
    for (const l of [...this.everyone, ...(this.byUser.get(event.userId) ?? [])]) {
      try { l(event); } catch { /* a listener's failure is its own */ }
    }
  }
}
