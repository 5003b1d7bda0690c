// Bad note input. The sync layer answers it with the per-item Status 6 (MS-ASNOTE R119; MS-ASCMD
// 2.2.3.177.17) and stores nothing.
export class NoteError extends Error {
  readonly code = 'NOTE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'NoteError';
  }
}
