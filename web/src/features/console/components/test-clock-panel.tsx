// Time travel for the simulated demo (ADR 031): Paydeck's and the simulator's clocks jump
// forward together, so retries, reminders, link expiry and webhook retries happen now. Shown
// only when the server says the clock can move (the Stripe simulator).
import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { formatDateTime } from '../../../lib/dates';
import { testClockQuery, useAdvanceTestClock } from '../api/test-clock';

const JUMPS = [
  { label: '+1 hour', seconds: 3_600 },
  { label: '+1 day', seconds: 86_400 },
  { label: '+7 days', seconds: 7 * 86_400 },
];

export function TestClockPanel() {
  const clock = useQuery(testClockQuery);
  const advance = useAdvanceTestClock();
  if (!clock.data?.available) return null;
  const { now, offset_seconds: offset } = clock.data;
  return (
    <section className="panel test-clock" aria-labelledby="test-clock-heading">
      <h2 id="test-clock-heading">Test clock</h2>
      <p>
        Simulated mode: Paydeck&apos;s time is{' '}
        <strong data-testid="test-clock-now">{formatDateTime(now)}</strong>
        {offset > 0 ? ` (${formatOffset(offset)} ahead of this machine)` : ''}. Moving it forward
        runs what falls due meanwhile: payment retries, reminders, expired checkout links, webhook
        retries. Sign-ins keep real time.
      </p>
      <div className="test-clock__actions">
        {JUMPS.map((jump) => (
          <Button
            key={jump.seconds}
            variant="secondary"
            pending={advance.isPending && advance.variables === jump.seconds}
            disabled={advance.isPending}
            onClick={() => advance.mutate(jump.seconds)}
          >
            {jump.label}
          </Button>
        ))}
      </div>
      {advance.error ? <ErrorAlert error={advance.error} title="The clock did not move" /> : null}
      {advance.data ? (
        <p role="status">
          Moved. {advance.data.jobs_moved} scheduled job
          {advance.data.jobs_moved === 1 ? '' : 's'} brought forward
          {advance.data.simulator === 'advanced'
            ? '; the simulator moved too.'
            : '; the simulator did not answer.'}
        </p>
      ) : null}
    </section>
  );
}

function formatOffset(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  return (
    [days ? `${days} d` : '', hours ? `${hours} h` : ''].filter(Boolean).join(' ') || `${seconds} s`
  );
}
