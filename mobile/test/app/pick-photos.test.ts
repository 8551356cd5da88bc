import { MAX_PICK, pickNotices, pickPhotos, toSources, type PhotoPicker, type PickedAsset } from '../../src/app/pick-photos';

describe('toSources', () => {
  test('takes the type from the picker, else from the extension of the name or the URI', () => {
    const picked = toSources([
      { uri: 'file:///DCIM/IMG_1.HEIC', fileName: 'IMG_1.HEIC', mimeType: 'image/heic' },
      { uri: 'blob:http://127.0.0.1:3000/6c1f', fileName: 'beach.png', mimeType: 'image/png' },
      { uri: 'file:///DCIM/RAW_2.dng', mimeType: 'application/octet-stream' },
      { uri: 'content://media/external/images/IMG%203.jpeg?x=1' },
      { uri: 'file:///a/b.jpg', fileName: 'b.jpg', mimeType: 'image/jpg' },
    ]);
    expect(picked.sources).toEqual([
      { uri: 'file:///DCIM/IMG_1.HEIC', filename: 'IMG_1.HEIC', contentType: 'image/heic' },
      { uri: 'blob:http://127.0.0.1:3000/6c1f', filename: 'beach.png', contentType: 'image/png' },
      { uri: 'file:///DCIM/RAW_2.dng', filename: 'RAW_2.dng', contentType: 'image/x-adobe-dng' },
      { uri: 'content://media/external/images/IMG%203.jpeg?x=1', filename: 'IMG 3.jpeg', contentType: 'image/jpeg' },
      { uri: 'file:///a/b.jpg', filename: 'b.jpg', contentType: 'image/jpeg' },
    ]);
    expect(picked.refused).toEqual([]);
    expect(picked.overLimit).toBe(0);
  });

  test('refuses what the API does not accept and says which file and why', () => {
    const picked = toSources([
      { uri: 'file:///v/clip.mov', fileName: 'clip.mov', mimeType: 'video/quicktime' },
      { uri: 'file:///p/ok.webp', fileName: 'ok.webp', mimeType: 'image/webp' },
      { uri: 'file:///p/old.bmp', fileName: 'old.bmp', mimeType: 'image/bmp' },
    ]);
    expect(picked.sources.map((s) => s.filename)).toEqual(['ok.webp']);
    expect(picked.refused).toEqual(['clip.mov', 'old.bmp']);
    expect(pickNotices(picked)).toEqual(["clip.mov and old.bmp can't be uploaded: only photos (JPEG, PNG, HEIC, WebP, AVIF, GIF, DNG)"]);
  });

  test('keeps the first 50 photos of a bigger pick and says how many were left out', () => {
    const assets: PickedAsset[] = Array.from({ length: 53 }, (_, i) => ({ uri: `file:///p/${i}.jpg`, fileName: `${i}.jpg`, mimeType: 'image/jpeg' }));
    const picked = toSources(assets);
    expect(picked.sources).toHaveLength(MAX_PICK);
    expect(picked.sources[0]?.filename).toBe('0.jpg');
    expect(picked.sources[49]?.filename).toBe('49.jpg');
    expect(picked.overLimit).toBe(3);
    expect(pickNotices(picked)).toEqual(['You picked 53 photos: the first 50 are uploading. Choose the other 3 next.']);
  });

  test('a pick without problems has nothing to say', () => {
    expect(pickNotices(toSources([{ uri: 'file:///a.gif', mimeType: 'image/gif' }]))).toEqual([]);
  });
});

describe('pickPhotos', () => {
  const asset = { uri: 'file:///p/a.avif', fileName: 'a.avif', mimeType: 'image/avif' };
  function fakePicker(granted: boolean, result: Awaited<ReturnType<PhotoPicker['launch']>> = { canceled: false, assets: [asset] }) {
    return {
      requestPermission: jest.fn(async () => ({ granted, canAskAgain: false })),
      launch: jest.fn(async () => result),
    };
  }

  test('on a phone asks for the library first; denied, the picker never opens', async () => {
    const picker = fakePicker(false);
    await expect(pickPhotos(picker, 'ios')).resolves.toEqual({ kind: 'denied', canAskAgain: false });
    expect(picker.launch).not.toHaveBeenCalled();
  });

  test('on a phone with the permission, the picked photos come back mapped', async () => {
    const picker = fakePicker(true);
    await expect(pickPhotos(picker, 'android')).resolves.toEqual({
      kind: 'picked',
      sources: [{ uri: 'file:///p/a.avif', filename: 'a.avif', contentType: 'image/avif' }],
      refused: [],
      overLimit: 0,
    });
  });

  test('on the web no permission is asked (the file chooser needs none)', async () => {
    const picker = fakePicker(false);
    const outcome = await pickPhotos(picker, 'web');
    expect(outcome.kind).toBe('picked');
    expect(picker.requestPermission).not.toHaveBeenCalled();
  });

  test('a cancelled picker is a cancel', async () => {
    await expect(pickPhotos(fakePicker(true, { canceled: true, assets: null }), 'ios')).resolves.toEqual({ kind: 'canceled' });
  });
});
