/**
 * Canonical base64 of a 32-byte SHA-256 digest: 43 characters and one '='. 256 bits leave the 43rd
 * character 2 unused bits, which must be zero; otherwise several strings would name one digest, and
 * the schema, the photo id and S3's x-amz-checksum-sha256 would disagree about which.
 */
export const SHA256_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
