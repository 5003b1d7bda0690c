// Tasks (MS-ASTASK) between devices and the store: src/tasks holds the class's rules, this file
// plugs them into the sync engine (codecs.ts codecFor). The store keeps a task in its 16.1 form.
import { withBodyCut } from '../eas/body.js';
import { completeOccurrence } from '../tasks/completion.js';
import { easToTask, STORED_VERSION, taskToEas } from '../tasks/eas.js';
import { TaskError } from '../tasks/errors.js';
import { mergeTask } from '../tasks/merge.js';
import type { Task } from '../tasks/model.js';
import type { Item } from '../store/types.js';
import type { ItemCodec, Stored } from './codecs.js';
import { convert } from './conversionError.js';
import { withRenderedBody } from './itemBody.js';

export const taskCodec: ItemCodec = {
  fromDevice: (props, version) => stored(dated(convert(() => easToTask(props, version)), Date.now())),
  merge: (item, props, supported, version) => {
    const now = Date.now();
    const before = storedTask(item);
    const incoming = convert(() => easToTask(props, version));
    const after = dated(before ? mergeTask(before, incoming, props, version, supported) : incoming, now);
    const done = before && completeOccurrence(before, after, now);
    if (!done) return stored(after);
    // The server changed the task past what the device sent: the device is sent it back.
    return { ...stored(done.series), serverChanged: true, alongside: done.completed && [stored(done.completed)] };
  },
  toDevice: async (item, ctx) => {
    const task = storedTask(item);
    // A task kept before Convene read tasks, which its rules refuse: sent as it was kept.
    if (!task) return withBodyCut(item.props, ctx.body?.bodyPreferences);
    return withRenderedBody(taskToEas(task, ctx.version), ctx.body, ctx.version);
  },
};

/** MS-ASTASK R124: a completed task has a completion date — the device's, or now. */
function dated(task: Task, now: number): Task {
  return task.complete && task.dateCompleted === undefined ? { ...task, dateCompleted: now } : task;
}

/**
 * What FilterType 8 (incomplete tasks only, MS-ASCMD 2.2.3.70.1) compares: when the task was
 * completed; an open task has no such time and is always in (classes.ts filterCutoff).
 */
function stored(task: Task): Stored {
  return { props: taskToEas(task, STORED_VERSION), filterTime: task.complete ? task.dateCompleted ?? 0 : null };
}

function storedTask(item: Item): Task | undefined {
  try {
    return easToTask(item.props, STORED_VERSION);
  } catch (e) {
    if (e instanceof TaskError) return undefined;
    throw e;
  }
}

