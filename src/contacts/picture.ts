// A contact's photo (MS-ASCNTC 2.2.2.58 Picture): base64 text, at most 48 KB of it (an image of
// about 36 KB); a larger one is answered with Status 6. What a device may harmlessly vary is
// mended rather than refused: line breaks inside the base64 (MIME habit), the URL-safe alphabet,
// missing padding, and the photo sent as OPAQUE bytes instead of text.

/** MS-ASCNTC 2.2.2.58: "limited to 48 KB of binary content that is encoded with base64". */
export const MAX_PICTURE_BASE64 = 48 * 1024;

export type PictureOutcome =
  | { ok: true; base64: string }
  | { ok: false; reason: 'NOT_BASE64' | 'TOO_LARGE' };

const BASE64_TEXT = /^[A-Za-z0-9+/]*$/;

/** The picture as canonical base64 text ('' for an empty element, which clears it). */
export function readPicture(value: string | { b64: string }): PictureOutcome {
  return typeof value === 'string' ? fromText(value) : fromBytes(Buffer.from(value.b64, 'base64'));
}

function fromText(text: string): PictureOutcome {
  const compact = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const body = compact.replace(/={1,2}$/, '');
  if (!BASE64_TEXT.test(body) || body.length % 4 === 1) return { ok: false, reason: 'NOT_BASE64' };
  const base64 = body.padEnd(Math.ceil(body.length / 4) * 4, '=');
  return base64.length > MAX_PICTURE_BASE64 ? { ok: false, reason: 'TOO_LARGE' } : { ok: true, base64 };
}

/**
 * OPAQUE content: either the base64 text as bytes (read as text) or the image itself (encoded).
 * An image's bytes are never all base64 letters: every image format starts with a byte outside them.
 */
function fromBytes(bytes: Buffer): PictureOutcome {
  const ascii = bytes.every(b => b < 0x80);
  if (ascii) {
    const text = bytes.toString('latin1');
    if (BASE64_TEXT.test(text.replace(/[\s=_-]+/g, ''))) return fromText(text);
  }
  const base64 = bytes.toString('base64');
  return base64.length > MAX_PICTURE_BASE64 ? { ok: false, reason: 'TOO_LARGE' } : { ok: true, base64 };
}
