/**
 * EventJournal: the bounded ring behind pool.recentEvents(). Oldest first,
 * a sequence number that keeps counting past the capacity, limits, and a
 * capacity of 0 that records nothing.
 */
import { describe, expect, it } from 'vitest';
import { EventJournal, STEPS_PER_EVENT, TaskStep } from '../../dist/src/event-journal.js';

function filled(capacity, count) {
  const journal = new EventJournal(capacity);
  for (let i = 1; i <= count; i++) journal.record(`event-${i}`, { i });
  return journal;
}

describe('EventJournal', () => {
  it('returns what it recorded, oldest first, with seq from 1 and an epoch-ms time', () => {
    const before = Date.now();
    const journal = filled(5, 3);
    const after = Date.now();
    const recent = journal.recent();
    expect(recent.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(recent.map((e) => e.event)).toEqual(['event-1', 'event-2', 'event-3']);
    expect(recent.map((e) => e.payload)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    for (const e of recent) {
      expect(e.at).toBeGreaterThanOrEqual(before);
      expect(e.at).toBeLessThanOrEqual(after);
    }
    expect(journal.enabled).toBe(true);
  });

  it('keeps only the last `capacity` events; seq keeps counting, so a reader sees what it missed', () => {
    const journal = filled(4, 11);
    const recent = journal.recent();
    expect(recent).toHaveLength(4);
    expect(recent.map((e) => e.seq)).toEqual([8, 9, 10, 11]);
    expect(recent.map((e) => e.event)).toEqual(['event-8', 'event-9', 'event-10', 'event-11']);
  });

  it('stays oldest first across many wraps of the ring', () => {
    const journal = filled(3, 1_000);
    expect(journal.recent().map((e) => e.seq)).toEqual([998, 999, 1_000]);
  });

  it('limit returns the most recent `limit`, still oldest first', () => {
    const journal = filled(10, 7);
    expect(journal.recent(3).map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(journal.recent(1).map((e) => e.seq)).toEqual([7]);
    expect(journal.recent(0)).toEqual([]);
    expect(journal.recent(100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]); // no more than it has
  });

  it('a limit above the capacity returns at most the capacity', () => {
    const journal = filled(3, 10);
    expect(journal.recent(50).map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('an empty journal returns []', () => {
    expect(new EventJournal(10).recent()).toEqual([]);
  });

  it('capacity 0 records nothing and is disabled', () => {
    const journal = filled(0, 5);
    expect(journal.enabled).toBe(false);
    expect(journal.recent()).toEqual([]);
    expect(journal.recent(10)).toEqual([]);
  });

  it('capacity 1 keeps just the latest event', () => {
    const journal = filled(1, 3);
    expect(journal.recent()).toMatchObject([{ seq: 3, event: 'event-3' }]);
  });
});

describe('task steps', () => {
  it('are kept apart and merged with the lifecycle events in the order they were recorded', () => {
    const j = new EventJournal(2);
    j.step(TaskStep.QUEUED, 7, 'ingest', -1, 1_000, 0);
    j.record('agentReady', { agentId: 1 });
    j.step(TaskStep.STARTED, 7, 'ingest', 1, 1_001, 0.5);
    j.step(TaskStep.COMPLETED, 7, 'ingest', 1, 1_003, 2);
    expect(j.recent()).toEqual([
      { seq: 3, at: 1_001, event: 'taskStarted', payload: { taskId: 7, type: 'ingest', agentId: 1, assignmentLatencyMs: 0.5 } },
      { seq: 4, at: 1_003, event: 'taskCompleted', payload: { taskId: 7, type: 'ingest', agentId: 1, runMs: 2 } },
    ]);
    expect(j.recent(10).map((e) => e.event)).toEqual(['taskQueued', 'agentReady', 'taskStarted', 'taskCompleted']);
  });

  it('keep the last STEPS_PER_EVENT x capacity steps, and none with the journal off', () => {
    const j = new EventJournal(2);
    for (let i = 1; i <= 20; i++) j.step(TaskStep.QUEUED, i, 'general', -1, i, 0);
    expect(j.recent(100).map((e) => e.payload.taskId)).toEqual(Array.from({ length: 2 * STEPS_PER_EVENT }, (_, k) => 21 - 2 * STEPS_PER_EVENT + k));
    const off = new EventJournal(0);
    off.step(TaskStep.QUEUED, 1, 'general', -1, 1, 0);
    expect(off.recent(10)).toEqual([]);
  });
});
