// The name the server gives an attachment (MS-ASAIRS 2.2.2.24 FileReference; 2.5's Email:AttName):
// `${folderId}:${itemId}:${index}`, the two parts of the item's ServerId and the attachment's place
// among the item's attachments. A move gives the item a new id, so its attachments new names.

export interface FileReference {
  folderId: number;
  itemId: number;
  /** Position (from 0) among the item's AirSyncBase:Attachment nodes. */
  index: number;
}

/** `${folderId}:${itemId}:${index}`: what the server puts in AirSyncBase:FileReference. */
export function formatFileReference(ref: FileReference): string {
  return `${ref.folderId}:${ref.itemId}:${ref.index}`;
}

/** Reads a FileReference as sent back; a percent-encoded one (`1%3a2%3a0`) is accepted too. */
export function parseFileReference(text: string): FileReference | undefined {
  let plain: string;
  try { plain = decodeURIComponent(text.trim()); } catch { return undefined; }
  const m = /^(\d{1,15}):(\d{1,15}):(\d{1,4})$/.exec(plain);
  return m ? { folderId: Number(m[1]), itemId: Number(m[2]), index: Number(m[3]) } : undefined;
}
