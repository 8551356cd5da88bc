import { useCallback, useEffect, useState } from 'react';
import { useServices } from '../../app/session';
import { toApiError, type ApiError } from '../../core/errors';
import type { Album } from '../../core/sharing-types';

/** The album's own item (name, role, count, cover): the saved copy at once, the server's when it answers. */
export function useAlbum(id: string): { album: Album | undefined; error: ApiError | undefined; loading: boolean; reload: () => void; set: (album: Album) => void } {
  const { albums, onAlbumsChanged } = useServices();
  const [album, setAlbum] = useState<Album | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((n) => n + 1), []);

  useEffect(() => onAlbumsChanged(reload), [onAlbumsChanged, reload]);

  useEffect(() => {
    let active = true;
    setLoading(true);
    void (async () => {
      try {
        const { cached, fresh } = await albums.album(id);
        if (!active) return;
        if (cached) setAlbum((current) => current ?? cached.value);
        const value = await fresh;
        if (!active) return;
        setAlbum(value);
        setError(undefined);
      } catch (failure) {
        if (active) setError(toApiError(failure));
      } finally {
        if (active) setLoading(false);
      }
    })();
    return () => {
      active = false;
    };
  }, [albums, id, version]);

  return { album, error, loading, reload, set: setAlbum };
}
