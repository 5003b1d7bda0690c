// Reading the stored property tree (ItemProps, types.ts): one named node's text or children. Every
// layer reads items this way, so it lives beside the type rather than in any one of them.
import type { ItemProps } from './types.js';

/** The text of the node named `name` ("Email:Subject"); undefined when absent or not text. */
export function propText(props: ItemProps, name: string): string | undefined {
  const node = props.find(p => p[0] === name);
  return node && typeof node[1] === 'string' ? node[1] : undefined;
}

/** The nodes named `name`, for nested properties such as AirSyncBase:Body. */
export function propChildren(props: ItemProps, name: string): ItemProps | undefined {
  const node = props.find(p => p[0] === name);
  return node && Array.isArray(node[1]) ? node[1] : undefined;
}

/** The texts of a container's children ("Tasks:Categories" → each Category); undefined when absent. */
export function propTexts(props: ItemProps, name: string): string[] | undefined {
  const children = propChildren(props, name) ?? (props.some(p => p[0] === name) ? [] : undefined);
  return children?.map(c => c[1]).filter((v): v is string => typeof v === 'string');
}

/** An AirSyncBase:Body as kept or sent: its Type as written (1 text, 2 HTML, 3 RTF, 4 MIME) and Data. */
export function propBody(props: ItemProps): { type: string | undefined; data: string } | undefined {
  const body = propChildren(props, 'AirSyncBase:Body');
  return body && { type: propText(body, 'AirSyncBase:Type'), data: propText(body, 'AirSyncBase:Data') ?? '' };
}
