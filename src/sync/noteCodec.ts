// Notes (MS-ASNOTE) between devices and the store: src/notes holds the class's rules, this file
// plugs them into the sync engine (codecs.ts codecFor). Every Add and Change dates the note (R209).
import { withBodyCut } from '../eas/body.js';
import { easToNote, mergeNote, noteToEas, storedNote } from '../notes/eas.js';
import { NoteError } from '../notes/errors.js';
import type { Note } from '../notes/model.js';
import type { Item } from '../store/types.js';
import type { ItemCodec, Stored } from './codecs.js';
import { convert } from './conversionError.js';
import { withRenderedBody } from './itemBody.js';

export const noteCodec: ItemCodec = {
  fromDevice: props => stored({ ...convert(() => easToNote(props)), lastModifiedDate: Date.now() }),
  merge: (item, props) => {
    const before = noteOf(item);
    const incoming = convert(() => easToNote(props));
    return stored({ ...(before ? mergeNote(before, incoming, props) : incoming), lastModifiedDate: Date.now() });
  },
  toDevice: async (item, ctx) => {
    const note = noteOf(item);
    // A note kept before Convene read notes, which its rules refuse: sent as it was kept.
    if (!note) return withBodyCut(item.props, ctx.body?.bodyPreferences);
    return withRenderedBody(noteToEas(note), ctx.body, ctx.version);
  },
};

function stored(note: Note): Stored {
  return { props: noteToEas(note), filterTime: null };
}

function noteOf(item: Item): Note | undefined {
  try {
    return storedNote(item.props);
  } catch (e) {
    if (e instanceof NoteError) return undefined;
    throw e;
  }
}

