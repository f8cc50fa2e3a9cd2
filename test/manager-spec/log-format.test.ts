import { expect } from 'chai';
import { formatLine } from '../../manager/log.js';
import { isManagerProblemLine, managerLogFormat, REFERENCE_LOG_FORMAT, STARLINGX_LOG_FORMAT } from '../../harness/manager-spec/log-format.js';

describe('manager-spec: the manager log formats (for I6)', () => {
  it('chart and script managers log like StarlingX, reference like ours', () => {
    expect(managerLogFormat('chart')).to.equal(STARLINGX_LOG_FORMAT);
    expect(managerLogFormat('script')).to.equal(STARLINGX_LOG_FORMAT);
    expect(managerLogFormat('reference')).to.equal(REFERENCE_LOG_FORMAT);
  });

  it('StarlingX: WARNING, ERROR and FATAL lines of its log function are problems, nothing else', () => {
    const f = STARLINGX_LOG_FORMAT;
    for (const line of ['2024-01-01T12-00-00 WARNING rekey stalled', '2024-01-01T12-00-00 ERROR Unable to get k8s server version', '2024-01-01T12-00-00 FATAL giving up']) {
      expect(isManagerProblemLine(f, line), line).to.equal(true);
    }
    for (const line of ['2024-01-01T12-00-00 INFO kubectl said ERROR here', '2024-01-01T12-00-00 DEBUG Log level set to WARNING', 'jq: error (at <stdin>:0): Cannot index', 'ERROR at start without a stamp', '2024-01-01T12:00:00.000Z WARNING reference style']) {
      expect(isManagerProblemLine(f, line), line).to.equal(false);
    }
    expect(f.stampOf('2024-03-05T07-08-09 INFO x')).to.equal(Date.UTC(2024, 2, 5, 7, 8, 9));
    expect(f.stampOf('no stamp')).to.equal(undefined);
  });

  it('reference: the lines manager/log.ts writes at WARNING and ERROR', () => {
    const at = new Date(Date.UTC(2026, 10, 23, 15, 4, 5, 123));
    const f = REFERENCE_LOG_FORMAT;
    expect(isManagerProblemLine(f, formatLine('WARNING', 'w', at))).to.equal(true);
    expect(isManagerProblemLine(f, formatLine('ERROR', 'e', at))).to.equal(true);
    expect(isManagerProblemLine(f, formatLine('INFO', 'an ERROR word', at))).to.equal(false);
    expect(f.stampOf(formatLine('INFO', 'x', at))).to.equal(at.getTime());
  });
});
