import type { Derivatives } from './derivatives.js';
import type { PhotoExif } from './exif.js';
import type { AllowedType } from './sniff.js';

/** Parent -> decoder process: decode the photo in this file. */
export interface DecodeRequest {
  id: number;
  path: string;
  type: AllowedType;
  /** libvips' / libheif's own pixel cap, a second line behind the header check. */
  maxPixels: number;
}

/** Decoder process -> parent. Buffers cross as Uint8Arrays (advanced serialization). */
export type DecodeReply =
  | {
      id: number;
      ok: true;
      derivatives: Derivatives;
      exif: PhotoExif;
      /** The decoder's resident memory now, and at its peak since it started. */
      rssBytes: number;
      peakRssBytes: number;
    }
  | { id: number; ok: false; undecodable: boolean; message: string };
