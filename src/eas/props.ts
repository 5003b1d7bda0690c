// ApplicationData ⇄ ItemProps: the item form the store keeps, and back to the wire. Element names
// are qualified by code page ("Calendar:Subject") so the same name on two pages stays apart.
// Text both ways is made receivable (docs/reliability.md, "Strings a device can receive"): what a
// device sends is stored clean, and an item stored before that rule still renders; bytes stay bytes.
import type { ItemProps, PropNode } from '../store/types.js';
import { Element, pageByNamespace, receivable } from '../wbxml/index.js';

export function toProps(data: Element): ItemProps {
  return data.children.map(toNode);
}

function toNode(el: Element): PropNode {
  const name = `${el.namespace}:${el.name}`;
  const c = el.content;
  if (Array.isArray(c)) return [name, c.map(toNode)];
  if (c instanceof Uint8Array) return [name, { b64: Buffer.from(c).toString('base64') }];
  return [name, receivable(c ?? '')];
}

export function toElements(props: ItemProps): Element[] {
  return props.map(toElement);
}

function toElement([name, value]: PropNode): Element {
  const colon = name.indexOf(':');
  const page = pageByNamespace(name.slice(0, colon));
  const local = name.slice(colon + 1);
  const token = page?.tokens.get(local);
  if (!page || token === undefined) throw new Error(`stored property ${name} is not an EAS element`);
  const content = typeof value === 'string' ? receivable(value)
    : Array.isArray(value) ? value.map(toElement)
    : Buffer.from(value.b64, 'base64');
  return new Element(page.page, token, local, content);
}

export { propChildren, propText } from '../store/props.js';
