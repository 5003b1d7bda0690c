// Bad task input. The sync layer answers it with the per-item Status 6 (MS-ASCMD 2.2.3.177.17:
// error in client/server conversion) and stores nothing.
export class TaskError extends Error {
  readonly code = 'TASK_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TaskError';
  }
}
