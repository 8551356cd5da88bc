import { useEffect, useMemo, useRef, useState } from 'react';
import { useServices } from '../../app/session';
import type { UploadItem } from '../../core/upload-types';
import type { PhotoList } from './usePhotoList';

/** Waits between refreshes while uploaded photos are still processing: 2 s, 4 s, 8 s, then every 15 s. */
export function processingDelay(attempt: number): number {
  return Math.min(15_000, 2_000 * 2 ** attempt);
}
/** About three minutes: a photo that is still not listed then (a duplicate of a trashed one, say) is left to the next refresh. */
const MAX_ATTEMPTS = 14;

/** Photos this session uploaded that the server had not finished (thumbnails) when it took them. */
function uploadedIds(items: readonly UploadItem[]): string[] {
  return items.filter((i) => i.step === 'done' && i.photoId && (i.result === 'processing' || i.result === 'ready')).map((i) => i.photoId!);
}

/**
 * The timeline lists a photo only once it is processed, a few seconds after its upload finished:
 * until every uploaded photo is listed, the timeline is refreshed with a growing wait.
 */
export function useProcessingRefresh(list: Pick<PhotoList, 'photos' | 'reloads' | 'revalidate'>): void {
  const { photos, reloads, revalidate } = list;
  const { uploads } = useServices();
  const [uploaded, setUploaded] = useState<string[]>(() => uploadedIds(uploads.list()));
  useEffect(() => uploads.subscribe((items) => setUploaded(uploadedIds(items))), [uploads]);

  const missing = useMemo(() => {
    const listed = new Set(photos.map((p) => p.id));
    return uploaded.filter((id) => !listed.has(id)).sort().join(',');
  }, [photos, uploaded]);

  // Attempts count per set of missing photos: one appearing or a new upload starts the waits again.
  const attempts = useRef({ missing: '', count: 0 });
  useEffect(() => {
    if (!missing) return;
    if (attempts.current.missing !== missing) attempts.current = { missing, count: 0 };
    if (attempts.current.count >= MAX_ATTEMPTS) return;
    const timer = setTimeout(() => {
      attempts.current.count += 1;
      revalidate();
    }, processingDelay(attempts.current.count));
    return () => clearTimeout(timer);
    // Armed again after each finished reload (`reloads`), answered or not.
  }, [missing, reloads, revalidate]);
}
