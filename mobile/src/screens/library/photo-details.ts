import type { Photo } from '../../core/library';
import { formatBytes, formatDateTime } from '../../ui/format';

export interface Detail {
  label: string;
  value: string;
}

type Exif = Record<string, unknown>;

/** A field of the server's EXIF object, by the names exifr and our processor use. */
function field(exif: Exif, ...names: string[]): unknown {
  for (const name of names) if (exif[name] !== undefined && exif[name] !== null && exif[name] !== '') return exif[name];
  return undefined;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

/** "Canon EOS R6", without "Canon Canon EOS R6" when the model already names the maker. */
function camera(exif: Exif): string | undefined {
  const make = text(field(exif, 'make', 'Make'));
  const model = text(field(exif, 'model', 'Model'));
  if (make && model) return model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`;
  return model ?? make;
}

/** "1/250 s · ƒ/2.8 · ISO 400 · 35 mm", from whichever of the four were recorded. */
function exposure(exif: Exif): string | undefined {
  const parts: string[] = [];
  const time = number(field(exif, 'exposureTime', 'ExposureTime'));
  if (time) parts.push(time >= 1 ? `${Number(time.toFixed(1))} s` : `1/${Math.round(1 / time)} s`);
  const aperture = number(field(exif, 'fNumber', 'FNumber'));
  if (aperture) parts.push(`ƒ/${Number(aperture.toFixed(1))}`);
  const iso = number(field(exif, 'iso', 'ISO'));
  if (iso) parts.push(`ISO ${Math.round(iso)}`);
  const focal = number(field(exif, 'focalLength', 'FocalLength'));
  if (focal) parts.push(`${Number(focal.toFixed(1))} mm`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** The trash keeps a photo this long (the server's purge; the screens only say it). */
export const TRASH_DAYS = 30;

/** Whole days until the trash deletes a photo for good, counted up ("1 day" until the last moment), never below 0. */
export function trashDaysLeft(trashedAt: string, now: number = Date.now()): number {
  const left = Date.parse(trashedAt) + TRASH_DAYS * 86_400_000 - now;
  return Math.max(0, Math.ceil(left / 86_400_000));
}

/** "29 days left", "1 day left", "Deleting soon". */
export function formatDaysLeft(days: number): string {
  if (days <= 0) return 'Deleting soon';
  return `${days} ${days === 1 ? 'day' : 'days'} left`;
}

/** What the viewer says about a photo in the trash. */
export function trashNotice(trashedAt: string | undefined, now: number = Date.now()): string {
  if (!trashedAt) return `In the trash. Photos in the trash are deleted forever after ${TRASH_DAYS} days.`;
  const days = trashDaysLeft(trashedAt, now);
  if (days <= 0) return 'In the trash: deleted forever soon unless you restore it.';
  return `In the trash: deleted forever in ${days} ${days === 1 ? 'day' : 'days'} unless you restore it.`;
}

/** "48.85837° N, 2.29448° E" */
export function formatLocation(location: { lat: number; lon: number }): string {
  const ns = location.lat >= 0 ? 'N' : 'S';
  const ew = location.lon >= 0 ? 'E' : 'W';
  return `${Math.abs(location.lat).toFixed(5)}° ${ns}, ${Math.abs(location.lon).toFixed(5)}° ${ew}`;
}

/** What the viewer lists under a photo, in order; a line only for what is known. */
export function photoDetails(photo: Photo): Detail[] {
  const exif: Exif = photo.exif ?? {};
  const details: Detail[] = [
    { label: 'File name', value: photo.filename },
    { label: 'Taken', value: formatDateTime(photo.takenAt) },
    { label: 'Size', value: formatBytes(photo.size) },
  ];
  if (photo.width && photo.height) details.push({ label: 'Dimensions', value: `${photo.width} × ${photo.height}` });
  const add = (label: string, value: string | undefined) => value && details.push({ label, value });
  add('Camera', camera(exif));
  add('Lens', text(field(exif, 'lens', 'LensModel', 'Lens')));
  add('Exposure', exposure(exif));
  if (photo.location) details.push({ label: 'Location', value: formatLocation(photo.location) });
  details.push({ label: 'Uploaded', value: formatDateTime(photo.uploadedAt) });
  if (photo.trashedAt) details.push({ label: 'Moved to trash', value: formatDateTime(photo.trashedAt) });
  return details;
}
