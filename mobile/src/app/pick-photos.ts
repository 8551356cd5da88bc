import * as ImagePicker from 'expo-image-picker';
import { Platform } from 'react-native';
import type { ContentType, SourceRef } from '../core/upload-types';

/** The API takes at most 50 photos per request; one pick is one batch. */
export const MAX_PICK = 50;

const TYPE_BY_EXTENSION: Record<string, ContentType> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  dng: 'image/x-adobe-dng',
};

const ACCEPTED_TYPES = new Set<string>(Object.values(TYPE_BY_EXTENSION));
/** Names some platforms give to accepted types. */
const TYPE_ALIASES: Record<string, ContentType> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/dng': 'image/x-adobe-dng' };

export const ACCEPTED_KINDS = 'JPEG, PNG, HEIC, WebP, AVIF, GIF, DNG';

/** What the picker tells about one photo (a subset of expo-image-picker's ImagePickerAsset). */
export interface PickedAsset {
  uri: string;
  fileName?: string | null;
  mimeType?: string;
}

export interface PickedPhotos {
  /** What goes to the upload queue, in the order picked. */
  sources: SourceRef[];
  /** Filenames of picked files the API would refuse (videos, BMP, ...). */
  refused: string[];
  /** Accepted photos beyond MAX_PICK, left out of this pick. */
  overLimit: number;
}

/** The last segment of a URI, without query or fragment ("file:///.../IMG_1.HEIC" -> "IMG_1.HEIC"). */
function nameFromUri(uri: string): string {
  const path = uri.split(/[?#]/)[0] ?? '';
  const last = path.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function typeOf(mimeType: string | undefined, filename: string): ContentType | undefined {
  const declared = mimeType?.toLowerCase().split(';')[0]?.trim();
  if (declared && ACCEPTED_TYPES.has(declared)) return declared as ContentType;
  if (declared && TYPE_ALIASES[declared]) return TYPE_ALIASES[declared];
  // Some pickers give no type (or application/octet-stream for a DNG): the extension decides.
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  return extension ? TYPE_BY_EXTENSION[extension] : undefined;
}

/** Maps picked assets to upload sources: the API's accepted types only, at most `limit` of them. */
export function toSources(assets: readonly PickedAsset[], limit = MAX_PICK): PickedPhotos {
  const accepted: SourceRef[] = [];
  const refused: string[] = [];
  assets.forEach((asset, index) => {
    const filename = asset.fileName?.trim() || nameFromUri(asset.uri) || `photo-${index + 1}`;
    const contentType = typeOf(asset.mimeType, filename);
    if (contentType) accepted.push({ uri: asset.uri, filename, contentType });
    else refused.push(filename);
  });
  return { sources: accepted.slice(0, limit), refused, overLimit: Math.max(0, accepted.length - limit) };
}

function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} others`;
}

/** What the user is told about a pick: refused files and photos over the limit. */
export function pickNotices(picked: PickedPhotos): string[] {
  const notices: string[] = [];
  if (picked.refused.length > 0) notices.push(`${joinNames(picked.refused)} can't be uploaded: only photos (${ACCEPTED_KINDS})`);
  if (picked.overLimit > 0) {
    const total = picked.sources.length + picked.overLimit;
    notices.push(`You picked ${total} photos: the first ${picked.sources.length} are uploading. Choose the other ${picked.overLimit} next.`);
  }
  return notices;
}

/** The platform's photo picker, injected so the mapping and the permission flow are testable. */
export interface PhotoPicker {
  requestPermission(): Promise<{ granted: boolean; canAskAgain: boolean }>;
  launch(): Promise<{ canceled: boolean; assets: PickedAsset[] | null }>;
}

export const expoPhotoPicker: PhotoPicker = {
  requestPermission: () => ImagePicker.requestMediaLibraryPermissionsAsync(),
  launch: () =>
    ImagePicker.launchImageLibraryAsync({
      mediaTypes: ['images'],
      allowsMultipleSelection: true,
      selectionLimit: MAX_PICK,
      // The original, not a re-encoded copy: iOS would otherwise turn a HEIC into a JPEG (a new checksum, lost quality).
      quality: 1,
      preferredAssetRepresentationMode: ImagePicker.UIImagePickerPreferredAssetRepresentationMode.Current,
    }),
};

export type PickOutcome = { kind: 'canceled' } | { kind: 'denied'; canAskAgain: boolean } | ({ kind: 'picked' } & PickedPhotos);

/**
 * Asks for the photo library (a phone only: the web's file chooser needs no permission), opens the
 * picker, and maps what was chosen.
 */
export async function pickPhotos(picker: PhotoPicker = expoPhotoPicker, os: string = Platform.OS): Promise<PickOutcome> {
  if (os !== 'web') {
    const permission = await picker.requestPermission();
    if (!permission.granted) return { kind: 'denied', canAskAgain: permission.canAskAgain };
  }
  const result = await picker.launch();
  if (result.canceled || !result.assets || result.assets.length === 0) return { kind: 'canceled' };
  return { kind: 'picked', ...toSources(result.assets) };
}
