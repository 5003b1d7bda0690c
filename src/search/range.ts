// MS-ASCMD 2.2.3.143 Range: "m-n", zero-based and inclusive at both ends ("0-9" is ten entries).
export interface Range {
  first: number;
  last: number;
}

/** A Range as the schema allows it (up to three digits each side, m ≤ n); undefined otherwise. */
export function parseRange(text: string | undefined): Range | undefined {
  const m = /^(\d{1,3})-(\d{1,3})$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const range = { first: Number(m[1]), last: Number(m[2]) };
  return range.first <= range.last ? range : undefined;
}

export function formatRange(r: Range): string {
  return `${r.first}-${r.last}`;
}

/** The part of `wanted` that `total` results fill; undefined when it holds none of them. */
export function filled(wanted: Range, total: number): Range | undefined {
  return wanted.first < total ? { first: wanted.first, last: Math.min(wanted.last, total - 1) } : undefined;
}
