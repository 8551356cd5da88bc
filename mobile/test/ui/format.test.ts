import { dayKey, formatBytes, formatDateTime, formatDay } from '../../src/ui/format';

test('sizes read as a phone shows them', () => {
  expect(formatBytes(0)).toBe('0 B');
  expect(formatBytes(1023)).toBe('1023 B');
  expect(formatBytes(1536)).toBe('1.5 KB');
  expect(formatBytes(2_000_000)).toBe('1.9 MB');
  expect(formatBytes(10 * 1024 ** 3)).toBe('10 GB');
  expect(formatBytes(-5)).toBe('0 B');
});

test('the timeline groups by the local calendar day', () => {
  const local = new Date(2026, 10, 20, 23, 30); // 20 Nov, 23:30 local time
  expect(dayKey(local.toISOString())).toBe('2026-11-20');
  expect(dayKey(new Date(2026, 0, 5, 0, 1).toISOString())).toBe('2026-01-05');
});

test('day headers say Today and Yesterday, and the year only for other years', () => {
  const now = new Date(2026, 11, 1, 9, 0);
  expect(formatDay('2026-12-01', now)).toBe('Today');
  expect(formatDay('2026-11-30', now)).toBe('Yesterday');
  expect(formatDay('2026-11-20', now)).toBe('Friday, 20 November');
  expect(formatDay('2025-11-20', now)).toBe('Thursday, 20 November 2025');
});

test('details show the local date and time', () => {
  expect(formatDateTime(new Date(2026, 10, 20, 9, 5).toISOString())).toBe('20 Nov 2026, 09:05');
});
