/**
 * What a listing shows of a photo (PhotoView in photos.ts, which checks these are record fields): the contract's fields, plus what its cursor and filter read.
 * No keys, upload or sweep state: listings read only these (ProjectionExpression), which makes a
 * page about a third smaller to transfer and to unmarshal, and needs no strip.
 */
export const VIEW_FIELDS = [
  'photoId',
  'status',
  'filename',
  'contentType',
  'size',
  'sha256',
  's3Key',
  'width',
  'height',
  'takenAt',
  'takenAtUtc',
  'uploadedAt',
  'exif',
  'location',
  'thumbhash',
  'derivatives',
  'trashedAt',
] as const;

/** Every name aliased: several (status, size, location) are DynamoDB reserved words. */
export const VIEW_PROJECTION = {
  ProjectionExpression: VIEW_FIELDS.map((_, i) => `#v${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(VIEW_FIELDS.map((field, i) => [`#v${i}`, field])),
};
