// `convene demo` (npm run demo) as a person runs it: each step a sentence, the statuses it promised.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('convene demo', () => {
  it('plays the walkthrough and ends with the attendee statuses it promised', async () => {
    const r = await runCli(['demo']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const steps = r.out.split('\n').filter(l => /^\d+\. /.test(l));
    assert.equal(steps.length, 11, r.out);
    assert.match(r.out, /^ {2}Project kickoff: Bob's AttendeeStatus on Alice's calendar is 3 \(accepted\)$/m);
    assert.match(r.out, /^ {2}Budget review: Bob's AttendeeStatus on Alice's calendar is 3 \(accepted\)$/m);
    assert.match(r.out, /^ {2}Alice received 2: "Accepted: Project kickoff" \(acceptance\); "Accepted: Budget review" \(acceptance\)$/m);
    assert.match(r.out, /^ {2}Bob received 4: .*"Team sync" \(meeting request\); "Team sync" \(update of the occurrence on \d{4}-\d\d-\d\d\)$/m);
    assert.match(r.out, /Bob receives nothing/);
  });

  it('--xml shows the exchanged XML', async () => {
    const r = await runCli(['demo', '--xml']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[bob 14\.1\]\n +>>> POST SendMail/);
    assert.match(r.out, /<MeetingResponse xmlns="MeetingResponse:">/);
    assert.match(r.out, /<InstanceId xmlns="AirSyncBase:">\d{8}T\d{6}Z<\/InstanceId>/);
  });
});
