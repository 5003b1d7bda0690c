// Convene's note: an MS-ASNOTE Notes class item in typed form.
import type { Body } from '../calendar/model.js';

export interface Note {
  subject?: string | undefined;
  body?: Body | undefined;
  /** MS-ASNOTE 2.2.2.5: "IPM.StickyNote" or "IPM.StickyNote.*" (R57); required, so always set. */
  messageClass: string;
  categories?: string[] | undefined;
  /** MS-ASNOTE 2.2.2.4: set by the server at every change (R209); absent only on notes stored before Convene kept it. */
  lastModifiedDate?: number | undefined;
}
