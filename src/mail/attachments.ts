// A message's attachments: what is kept when mail is filed (one AirSyncBase:Attachment node per
// part that is not the message's own text), how each device version sees the list, and the bytes
// of one attachment, read back from the stored message.
import type { ItemProps, PropNode } from '../store/types.js';
import { formatFileReference } from './fileReference.js';
import { MimeError, parseMessage, type ParsedAttachment } from './parse.js';
import { propText } from '../store/props.js';

const A = (n: string) => `AirSyncBase:${n}`;

/** MS-ASAIRS 2.2.2.31.2 Method: 1 a normal attachment, 5 an embedded message (.eml). */
const METHOD_NORMAL = '1';
const METHOD_EMBEDDED_MESSAGE = '5';

/**
 * The stored list, in the order postal-mime reads the parts, which is the order the bytes are found
 * in again. ContentType is kept for the download (ItemOperations, GetAttachment); devices never see
 * it inside an Attachment.
 */
export function attachmentsNode(list: ParsedAttachment[]): PropNode | undefined {
  if (list.length === 0) return undefined;
  return [A('Attachments'), list.map((a): PropNode => [A('Attachment'), [
    [A('DisplayName'), a.filename],
    [A('Method'), a.contentType === 'message/rfc822' ? METHOD_EMBEDDED_MESSAGE : METHOD_NORMAL],
    [A('EstimatedDataSize'), String(a.content.length)],
    ...(a.contentId ? [[A('ContentId'), a.contentId] as PropNode] : []),
    ...(a.inline ? [[A('IsInline'), '1'] as PropNode] : []),
    [A('ContentType'), a.contentType],
  ]])];
}

/** MS-ASAIRS 2.2.2.7 Attachment children a response may carry, in the order the schema lists them. */
const SENT = ['DisplayName', 'FileReference', 'Method', 'EstimatedDataSize', 'ContentId', 'ContentLocation', 'IsInline'].map(A);

/**
 * The list as a device of `version` sees it, each attachment named by its FileReference. 12.0+:
 * AirSyncBase:Attachments (MS-ASAIRS 2.2.2.8); 2.5: Email:Attachments (MS-ASEMAIL 2.2.2.4.2) whose
 * AttName is the name GetAttachment takes.
 */
export function renderAttachments(node: PropNode, at: { folderId: number; itemId: number }, version: number): PropNode | undefined {
  const list = Array.isArray(node[1]) ? node[1].filter(n => n[0] === A('Attachment')) : [];
  if (list.length === 0) return undefined;
  const entries = list.map((n, index) => ({ props: Array.isArray(n[1]) ? n[1] : [], ref: formatFileReference({ ...at, index }) }));
  if (version < 12) {
    return ['Email:Attachments', entries.map(({ props, ref }): PropNode => ['Email:Attachment', [
      ['Email:AttMethod', propText(props, A('Method')) ?? METHOD_NORMAL],
      ['Email:AttSize', propText(props, A('EstimatedDataSize')) ?? '0'],
      ['Email:DisplayName', propText(props, A('DisplayName')) ?? ''],
      ['Email:AttName', ref],
    ]])];
  }
  return [A('Attachments'), entries.map(({ props, ref }): PropNode => {
    const withRef: ItemProps = [...props.filter(p => p[0] !== A('FileReference')), [A('FileReference'), ref]];
    return [A('Attachment'), SENT.flatMap(name => withRef.filter(p => p[0] === name))];
  })];
}

/** The stored description of the index-th attachment, if the item has one there. */
export function attachmentAt(props: ItemProps, index: number): ItemProps | undefined {
  const list = props.find(p => p[0] === A('Attachments'))?.[1];
  const node = Array.isArray(list) ? list.filter(n => n[0] === A('Attachment'))[index]?.[1] : undefined;
  return Array.isArray(node) ? node : undefined;
}

export interface AttachmentBytes {
  contentType: string;
  data: Buffer;
}

/**
 * The index-th attachment of a stored message. The message is read again; the part must still be
 * the one described (same size), or nothing is returned rather than the wrong file.
 */
export async function attachmentFromMime(mime: Buffer, index: number, described: ItemProps): Promise<AttachmentBytes | undefined> {
  let parts: ParsedAttachment[];
  try {
    parts = (await parseMessage(mime)).attachments;
  } catch (e) {
    if (e instanceof MimeError) return undefined;
    throw e;
  }
  const part = parts[index];
  if (!part || String(part.content.length) !== propText(described, A('EstimatedDataSize'))) return undefined;
  return { contentType: propText(described, A('ContentType')) ?? part.contentType, data: part.content };
}
