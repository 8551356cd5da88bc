import { EMPTY_EXIF, readExif, toPhotoExif } from '../../../src/photos/processing/exif.js';
import { fixture } from './helpers.js';

const EXIF_JPG = {
  takenAt: { value: '2024-07-14T18:32:05.120+02:00', offset: '+02:00', isLocalTime: false },
  offset: '+02:00',
  gps: { lat: 48.8584, lon: 2.2945, alt: 35 },
  make: 'Apple',
  model: 'iPhone 15 Pro',
  lens: 'iPhone 15 Pro back triple camera 6.765mm f/1.78',
  orientation: 1,
};

describe('readExif', () => {
  it('reads taken-at with sub-seconds and offset, GPS with altitude, camera and lens from a JPEG', async () => {
    expect(await readExif(fixture('exif.jpg'))).toEqual({ ...EXIF_JPG, width: 320, height: 240 });
  });

  it('flags a taken-at without offset as local time, whatever the process time zone', async () => {
    const exif = await readExif(fixture('rotated-6.jpg'));
    expect(exif.takenAt).toEqual({ value: '2023-12-31T23:59:58', offset: null, isLocalTime: true });
    expect(exif.offset).toBeNull();
    expect(exif.orientation).toBe(6);
    expect(exif.gps).toBeNull();
    expect(exif.lens).toBeNull();
  });

  it('reads the EXIF of a heif-enc HEIC that exifr alone misreads (iloc base_offset), through the sharp header fallback', async () => {
    expect(await readExif(fixture('photo.heic'))).toEqual({ ...EXIF_JPG, width: 480, height: 240 });
  });

  it('gives empty EXIF, never an error, for images without EXIF, text and garbage', async () => {
    const garbage = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 20, ...Buffer.from('Exif\0\0II*\0'), 0xff, 0xff, 0xff, 0xff, 1, 2]);
    for (const bytes of [fixture('photo.png'), fixture('photo.gif'), fixture('text.jpg'), garbage, Buffer.alloc(0)]) {
      expect(await readExif(bytes)).toEqual(EMPTY_EXIF);
    }
    // Cut inside the EXIF block: exifr finds no complete IFD, so every field is null rather than garbage.
    const truncatedExif = fixture('exif.jpg').subarray(0, 200);
    await expect(readExif(truncatedExif)).resolves.toEqual(EMPTY_EXIF);
  });
});

describe('toPhotoExif', () => {
  it('drops placeholder dates, impossible offsets and orientations, and the 0,0 GPS fix', () => {
    expect(
      toPhotoExif({
        DateTimeOriginal: '0000:00:00 00:00:00',
        CreateDate: '2024:02:30 10:00:00',
        OffsetTimeOriginal: '+25:00',
        Orientation: 9,
        latitude: 0,
        longitude: 0,
        Make: '  \u0000 ',
        Model: 42,
      }),
    ).toEqual(EMPTY_EXIF);
  });

  it('falls back to the digitized date and its offset; altitude below sea level is negative', () => {
    const exif = toPhotoExif({
      CreateDate: '2020:01:02 03:04:05',
      OffsetTimeDigitized: '-05:00',
      latitude: -33.8688,
      longitude: 151.2093,
      GPSAltitude: 12.5,
      GPSAltitudeRef: new Uint8Array([1]),
    });
    expect(exif.takenAt).toEqual({ value: '2020-01-02T03:04:05-05:00', offset: '-05:00', isLocalTime: false });
    expect(exif.offset).toBe('-05:00');
    expect(exif.gps).toEqual({ lat: -33.8688, lon: 151.2093, alt: -12.5 });
  });
});
