export { Element, tags, type Content } from './element.js';
export { decode, DEFAULT_MAX_DEPTH, type DecodeOptions } from './decoder.js';
export { encode } from './encoder.js';
export { WbxmlError, type WbxmlErrorCode } from './errors.js';
export { toXml, fromXml, type RenderOptions } from './xml.js';
export { PAGES, pageByNamespace } from './pages.js';
export { isReceivable, isReceivableDeep, receivable, receivableDeep, REPLACEMENT_CHARACTER } from './text.js';
