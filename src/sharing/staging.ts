/**
 * Where guest uploads (collect links) are staged while they stream in, outside every user's prefix (no photo
 * URL ever opens them): src/sharing/guest-uploads.ts deletes each staged object once it is ingested or refused,
 * and the bucket's lifecycle rule (sst.config.ts) expires anything a crash left behind after a day.
 */
export const GUEST_STAGING_PREFIX = 'staging/guests/';
