import { sniffImageType, typeFamily } from '../../../src/photos/processing/sniff.js';
import { fixture } from './helpers.js';

/** An ISO BMFF ftyp box: major brand, minor version 0, compatible brands. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + 4 * compatible.length;
  const box = Buffer.alloc(size + 8);
  box.writeUInt32BE(size, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
  box.write('meta', size + 4, 'latin1');
  return box;
}

describe('sniffImageType', () => {
  it.each([
    ['exif.jpg', 'image/jpeg'],
    ['rotated-6.jpg', 'image/jpeg'],
    ['photo.png', 'image/png'],
    ['photo.webp', 'image/webp'],
    ['photo.gif', 'image/gif'],
    ['photo.heic', 'image/heic'],
    ['rotated.heic', 'image/heic'],
    ['photo.dng', 'image/x-adobe-dng'],
  ])('%s is %s', (name, type) => {
    expect(sniffImageType(fixture(name))).toBe(type);
    // The first 64 KiB are enough for every fixture (IFD0 of the DNG included).
    expect(sniffImageType(fixture(name).subarray(0, 64 * 1024))).toBe(type);
  });

  it('rejects a text file named .jpg, a plain TIFF and empty or tiny input', () => {
    expect(sniffImageType(fixture('text.jpg'))).toBeUndefined();
    expect(sniffImageType(fixture('plain.tif'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
    expect(sniffImageType(Buffer.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageType(Buffer.from('GIF90a.....'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
  });

  it('reads ftyp brands: HEVC brands are HEIC, AVIF brands win over mif1, generic mif1 is HEIF, video is not', () => {
    expect(sniffImageType(ftyp('heic', 'mif1', 'heic'))).toBe('image/heic');
    expect(sniffImageType(ftyp('heix', 'mif1'))).toBe('image/heic');
    expect(sniffImageType(ftyp('mif1', 'mif1', 'heic'))).toBe('image/heic'); // Samsung-style
    expect(sniffImageType(ftyp('avif', 'mif1', 'miaf'))).toBe('image/avif');
    expect(sniffImageType(ftyp('mif1', 'avif', 'mif1', 'miaf'))).toBe('image/avif');
    expect(sniffImageType(ftyp('avis', 'msf1'))).toBe('image/avif');
    expect(sniffImageType(ftyp('mif1', 'mif1', 'miaf'))).toBe('image/heif');
    expect(sniffImageType(ftyp('isom', 'isom', 'mp41'))).toBeUndefined();
    expect(sniffImageType(ftyp('qt  ', 'qt  '))).toBeUndefined();
  });

  it('needs DNGVersion in IFD0 for a TIFF header, and survives a TIFF whose IFD0 lies beyond the head', () => {
    const tiff = Buffer.from('II*\0\xff\xff\xff\x7f', 'latin1'); // IFD0 at 2 GB
    expect(sniffImageType(tiff)).toBeUndefined();
    expect(sniffImageType(Buffer.from('MM\0*\0\0\0\x08\x00\x01', 'latin1'))).toBeUndefined(); // entry cut off
  });
});

describe('typeFamily', () => {
  it('groups aliases and ignores case and parameters', () => {
    expect(typeFamily('image/JPEG; charset=binary')).toBe('jpeg');
    expect(typeFamily('image/jpg')).toBe('jpeg');
    expect(typeFamily('image/heif')).toBe(typeFamily('image/heic'));
    expect(typeFamily('image/avif')).not.toBe(typeFamily('image/heic'));
    expect(typeFamily('image/tiff')).toBeUndefined();
    expect(typeFamily('text/plain')).toBeUndefined();
  });
});
