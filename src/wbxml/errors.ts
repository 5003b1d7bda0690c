// Typed codec failures. Each carries a stable code so the transport can answer
// MS-ASCMD 2.2.2 common Status 102 (invalid WBXML) or 103 (invalid XML) without guessing.

export type WbxmlErrorCode =
  | 'WBXML_TRUNCATED'
  | 'WBXML_BAD_HEADER'
  | 'WBXML_UNKNOWN_PAGE'
  | 'WBXML_UNKNOWN_TAG'
  | 'WBXML_UNSUPPORTED_TOKEN'
  | 'WBXML_BAD_UTF8'
  | 'WBXML_TOO_DEEP'
  | 'WBXML_TOO_LARGE'
  | 'WBXML_MIXED_CONTENT'
  | 'WBXML_TRAILING_BYTES'
  | 'XML_INVALID';

export class WbxmlError extends Error {
  readonly code: WbxmlErrorCode;
  /** Byte offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;
  constructor(code: WbxmlErrorCode, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'WbxmlError';
    this.code = code;
    this.offset = offset;
  }
}
