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

test('details show a UTC instant (the upload time) in the device\'s time zone', () => {
  expect(formatDateTime(new Date(2026, 10, 20, 9, 5).toISOString())).toBe('20 Nov 2026, 09:05');
});

test('a capture time reads as the clock where the photo was taken, whatever the device\'s zone', () => {
  // EXIF with OffsetTime: 18:32 in Paris stays 18:32, and a photo at 00:30 in Tokyo belongs to that day.
  expect(formatDateTime('2026-07-14T18:32:05+02:00')).toBe('14 Jul 2026, 18:32');
  expect(formatDateTime('2026-07-14T18:32:05.250-07:00')).toBe('14 Jul 2026, 18:32');
  expect(dayKey('2026-07-15T00:30:00+09:00')).toBe('2026-07-15');
  expect(dayKey('2026-07-14T23:59:58-10:00')).toBe('2026-07-14');
  // EXIF without an offset: the camera's own clock, as written.
  expect(formatDateTime('2023-12-31T23:59:58')).toBe('31 Dec 2023, 23:59');
  expect(dayKey('2023-12-31T23:59:58')).toBe('2023-12-31');
});
