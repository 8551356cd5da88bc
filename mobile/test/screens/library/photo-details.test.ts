import type { Photo } from '../../../src/core/library';
import type { UploadItem } from '../../../src/core/upload-types';
import { formatDaysLeft, formatLocation, photoDetails, trashDaysLeft, trashNotice } from '../../../src/screens/library/photo-details';
import { uploadSummary } from '../../../src/screens/library/UploadStrip';
import { formatDateTime } from '../../../src/ui/format';

const base = { id: 'p', status: 'ready', filename: 'a.jpg', contentType: 'image/jpeg', size: 1536, sha256: 's', takenAt: '2026-11-20T10:00:00Z', uploadedAt: '2026-11-21T10:00:00Z', urls: {} } as Photo;
const table = (photo: Photo) => Object.fromEntries(photoDetails(photo).map((d) => [d.label, d.value]));

test('only what is known is listed, in a fixed order', () => {
  expect(photoDetails(base).map((d) => d.label)).toEqual(['File name', 'Taken', 'Size', 'Uploaded']);
  expect(table(base)).toMatchObject({ 'File name': 'a.jpg', Taken: formatDateTime('2026-11-20T10:00:00Z'), Size: '1.5 KB' });
});

test('the camera names its maker once; exposure reads as photographers write it', () => {
  const photo = { ...base, width: 4000, height: 3000, exif: { make: 'Apple', model: 'iPhone 15 Pro', lens: 'iPhone 15 Pro back camera', exposureTime: 2.5, fNumber: 1.78, iso: 64.2, focalLength: 6.765 } };
  expect(table(photo)).toMatchObject({ Dimensions: '4000 × 3000', Camera: 'Apple iPhone 15 Pro', Lens: 'iPhone 15 Pro back camera', Exposure: '2.5 s · ƒ/1.8 · ISO 64 · 6.8 mm' });
  expect(table({ ...base, exif: { make: 'NIKON CORPORATION', model: 'NIKON Z 6' } }).Camera).toBe('NIKON CORPORATION NIKON Z 6');
  expect(table({ ...base, exif: { Make: 'Canon', Model: 'Canon EOS R5', ExposureTime: 0.008 } })).toMatchObject({ Camera: 'Canon EOS R5', Exposure: '1/125 s' });
  // What the server's processor writes when the camera recorded nothing.
  expect(table({ ...base, exif: { make: null, model: null, lens: null, takenAt: null, gps: null } }).Camera).toBeUndefined();
});

test('locations read with hemispheres; a trashed photo says since when', () => {
  expect(formatLocation({ lat: -33.856784, lon: 151.215297 })).toBe('33.85678° S, 151.21530° E');
  expect(table({ ...base, location: { lat: 40.6892, lon: -74.0445 } }).Location).toBe('40.68920° N, 74.04450° W');
  expect(table({ ...base, trashedAt: '2026-11-30T08:00:00Z' })['Moved to trash']).toBe(formatDateTime('2026-11-30T08:00:00Z'));
});

test('the upload strip counts unfinished and failed items, and is absent when nothing waits', () => {
  const item = (id: string, step: UploadItem['step']) => ({ id, step }) as UploadItem;
  expect(uploadSummary([])).toBeUndefined();
  expect(uploadSummary([item('a', 'done')])).toBeUndefined();
  expect(uploadSummary([item('a', 'hashing'), item('b', 'uploading'), item('c', 'completing'), item('d', 'done')])).toEqual({ text: 'Uploading 3 photos…', attention: false });
  expect(uploadSummary([item('a', 'requesting')])?.text).toBe('Uploading 1 photo…');
  expect(uploadSummary([item('a', 'failed'), item('b', 'failed')])).toEqual({ text: '2 uploads need attention', attention: true });
  expect(uploadSummary([item('a', 'uploading'), item('b', 'failed')])).toEqual({ text: 'Uploading 1 photo… · 1 upload needs attention', attention: true });
});

test('days left in the trash count up from the 30-day purge and never go below zero', () => {
  const trashedAt = '2026-11-01T12:00:00.000Z';
  const at = (iso: string) => Date.parse(iso);
  expect(trashDaysLeft(trashedAt, at('2026-11-01T12:00:00.000Z'))).toBe(30);
  expect(trashDaysLeft(trashedAt, at('2026-11-01T12:00:01.000Z'))).toBe(30);
  expect(trashDaysLeft(trashedAt, at('2026-11-30T12:00:00.000Z'))).toBe(1);
  expect(trashDaysLeft(trashedAt, at('2026-12-01T11:59:59.000Z'))).toBe(1);
  expect(trashDaysLeft(trashedAt, at('2026-12-05T00:00:00.000Z'))).toBe(0);
  expect([30, 1, 0].map(formatDaysLeft)).toEqual(['30 days left', '1 day left', 'Deleting soon']);
  expect(trashNotice(trashedAt, at('2026-11-30T12:00:00.000Z'))).toBe('In the trash: deleted forever in 1 day unless you restore it.');
  expect(trashNotice(undefined)).toMatch(/after 30 days/);
});
