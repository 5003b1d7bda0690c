// An in-process bus for live views (the console's device inspector): publishers never wait for
// subscribers. Each subscriber gets a bounded queue; while it cannot take more (its write said
// "full"), items wait there, and a subscriber whose queue overflows is dropped and told so — a slow
// browser never holds a device's requests or grows the server's memory.

export interface LiveSubscriber<T> {
  /** Takes one item; false when the subscriber is full (e.g. a socket's write buffer) until drained(). */
  write(item: T): boolean;
  /** The subscriber fell too far behind and was removed. */
  dropped(): void;
}

export interface Subscription {
  /** The subscriber can take items again: what waited is written now. */
  drained(): void;
  close(): void;
}

interface Entry<T> {
  sub: LiveSubscriber<T>;
  queue: T[];
  full: boolean;
}

export const DEFAULT_MAX_QUEUED = 64;

export class LiveBus<K, T> {
  private readonly subscribers = new Map<K, Set<Entry<T>>>();

  constructor(private readonly maxQueued = DEFAULT_MAX_QUEUED) {}

  /** How many subscribers listen to `key` (a publisher may skip work nobody watches). */
  listeners(key: K): number {
    return this.subscribers.get(key)?.size ?? 0;
  }

  subscribe(key: K, sub: LiveSubscriber<T>): Subscription {
    const entry: Entry<T> = { sub, queue: [], full: false };
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(entry);
    const close = () => {
      set!.delete(entry);
      if (!set!.size && this.subscribers.get(key) === set) this.subscribers.delete(key);
    };
    return {
      drained: () => {
        entry.full = false;
        while (entry.queue.length && !entry.full) entry.full = !sub.write(entry.queue.shift()!);
      },
      close,
    };
  }

  publish(key: K, item: T): void {
    for (const entry of [...(this.subscribers.get(key) ?? [])]) {
      if (!entry.full) {
        entry.full = !entry.sub.write(item);
        continue;
      }
      entry.queue.push(item);
      if (entry.queue.length > this.maxQueued) {
        this.subscribers.get(key)?.delete(entry);
        entry.queue = [];
        entry.sub.dropped();
      }
    }
  }
}
