// Debian's libwbxml2-utils (xml2wbxml, wbxml2xml): the independent codec our WBXML is checked against.
// `.ci/run` installs it and CI requires it; on a machine without it `npm test` skips only those
// comparisons and says so (docs/testing.md), as no npm package ships that reference.
import { spawnSync } from 'node:child_process';

const missing = ['xml2wbxml', 'wbxml2xml'].filter(cmd => spawnSync(cmd, [], { encoding: 'utf8' }).error);

export const LIBWBXML_HINT = 'apt-get install libwbxml2-utils (.ci/run does it)';

/** node:test `skip` value: false when the tools are there, or in CI (where their absence must fail). */
export const libwbxmlSkip: string | false = missing.length && !process.env.CI
  ? `libwbxml reference not installed (${missing.join(', ')} missing): ${LIBWBXML_HINT}`
  : false;
