import { EventFeed, type DeliveredEvent, type Delivery } from './event-feed';

const event = (seq: number): DeliveredEvent => ({
  seq,
  action: 'start',
  user: `u${seq}`,
  serverName: '',
  profile: 'none',
  startedMs: 0,
  atMs: 0,
});

const delivery = (hub: string, seqs: number[], dropped = 0, heartbeatSeconds = 30): Delivery => ({
  hub,
  heartbeatSeconds,
  dropped,
  events: seqs.map(event),
});

function feed() {
  const heard: string[] = [];
  const subject = new EventFeed({
    live: () => heard.push('live'),
    silent: (everHeard) => heard.push(everHeard ? 'silent' : 'absent'),
  });
  return { subject, heard };
}

const seqsOf = (events: DeliveredEvent[]) => events.map((e) => e.seq);

describe('EventFeed', () => {
  afterEach(() => jest.useRealTimers());

  it('passes each event once, in order, whatever is delivered again', () => {
    const { subject } = feed();
    expect(subject.receive(delivery('a', [4, 5]))).toEqual({
      fresh: [event(4), event(5)],
      lost: null,
    });
    const again = subject.receive(delivery('a', [4, 5, 6]));
    expect([seqsOf(again.fresh), again.lost]).toEqual([[6], null]);
    subject.stop();
  });

  it('reports a gap in the numbers, a drop the hub-side part counted, and another hub process', () => {
    const { subject } = feed();
    subject.receive(delivery('a', [1]));
    expect(subject.receive(delivery('a', [3])).lost).toBe('events_lost');
    expect(subject.receive(delivery('a', [], 1)).lost).toBe('events_lost');
    expect(subject.receive(delivery('a', [4], 1)).lost).toBeNull();
    const restarted = subject.receive(delivery('b', [1, 2]));
    expect([seqsOf(restarted.fresh), restarted.lost]).toEqual([[1, 2], 'hub_restarted']);
    subject.stop();
  });

  it('is live while deliveries arrive and silent after three missed heartbeats', () => {
    jest.useFakeTimers();
    const { subject, heard } = feed();
    subject.start(90_000);
    jest.advanceTimersByTime(90_000);
    expect([heard, subject.isLive]).toEqual([['absent'], false]);
    subject.receive(delivery('a', [], 0, 10));
    expect([heard, subject.isLive]).toEqual([['absent', 'live'], true]);
    jest.advanceTimersByTime(29_000);
    subject.receive(delivery('a', [], 0, 10));
    jest.advanceTimersByTime(29_000);
    expect(subject.isLive).toBe(true);
    jest.advanceTimersByTime(1_000);
    expect([heard, subject.isLive]).toEqual([['absent', 'live', 'silent'], false]);
    subject.stop();
  });
});
