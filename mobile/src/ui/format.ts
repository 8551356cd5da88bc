// How sizes and dates read everywhere in the app (plain functions, unit-tested).

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1 KB = 1024 B, as phones show storage; one decimal below 10 of a unit. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Calendar fields of a date and time as the app shows it. */
interface WallClock {
  year: number;
  /** 0-11, as Date's. */
  month: number;
  day: number;
  hours: number;
  minutes: number;
}

// A capture time as the camera wrote it: with its own offset ('+02:00') or none at all (EXIF without OffsetTime).
const CAPTURE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2})?$/;

/**
 * The wall clock where the photo was taken when the time says it (an evening photo from a trip reads as evening,
 * wherever the phone is now), else the instant in the device's time zone (a UTC time such as the upload time).
 */
function wallClock(iso: string): WallClock {
  const captured = CAPTURE_TIME.exec(iso);
  if (captured) {
    const [year, month, day, hours, minutes] = captured.slice(1, 6).map(Number) as [number, number, number, number, number];
    return { year, month: month - 1, day, hours, minutes };
  }
  const date = new Date(iso);
  return { year: date.getFullYear(), month: date.getMonth(), day: date.getDate(), hours: date.getHours(), minutes: date.getMinutes() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar day of a time as `wallClock` reads it, `YYYY-MM-DD`: the timeline groups by it. */
export function dayKey(iso: string): string {
  const { year, month, day } = wallClock(iso);
  return `${year}-${pad(month + 1)}-${pad(day)}`;
}

/** "Today", "Yesterday", else e.g. "Friday, 20 November 2026" (the year only when it is not this year). */
export function formatDay(key: string, now: Date = new Date()): string {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const day = new Date(y, m - 1, d);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const diffDays = Math.round((today.getTime() - day.getTime()) / 86_400_000);
  if (diffDays === 0) return 'Today';
  if (diffDays === 1) return 'Yesterday';
  const year = day.getFullYear() === now.getFullYear() ? '' : ` ${day.getFullYear()}`;
  return `${WEEKDAYS[day.getDay()]}, ${day.getDate()} ${MONTHS[day.getMonth()]}${year}`;
}

// Spelled here rather than through toLocaleDateString: Hermes, browsers and Node's ICU format differently.
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A date and time for details, as `wallClock` reads it: "20 Nov 2026, 10:00". */
export function formatDateTime(iso: string): string {
  const { year, month, day, hours, minutes } = wallClock(iso);
  return `${day} ${MONTHS[month]!.slice(0, 3)} ${year}, ${pad(hours)}:${pad(minutes)}`;
}
