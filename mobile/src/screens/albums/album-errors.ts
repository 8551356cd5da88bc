import type { ApiError } from '../../core/errors';

export const ALBUM_GONE = 'This album is no longer available';

/** Why an album action failed, in a person's words; `action` says what to do again later ("Rename the album"). */
export function describeAlbumError(error: ApiError, action: string): string {
  if (error.isNetworkError) return `You are offline. ${action} when you are connected again.`;
  if (error.status === 404) return ALBUM_GONE;
  if (error.status === 403) return 'Your role in this album does not allow that.';
  return error.errors[0]?.message ?? error.detail ?? error.title;
}
