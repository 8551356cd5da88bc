import { createHash } from 'node:crypto';
import type { AlbumPhotoJson } from '../schemas/albums.js';
import type { GuestUploadResultJson } from '../schemas/share-links.js';

/**
 * The share link pages (/s/{token}): plain server-rendered HTML that works without JavaScript. Every value is
 * escaped here; the page has no script at all, and its one stylesheet is inline, allowed by its hash in the
 * page's Content-Security-Policy (pageContentSecurityPolicy).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text and attribute values (always double-quoted) made inert. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45}
body{margin:0;padding:24px 16px 48px;max-width:960px;margin-inline:auto}
header p{margin:.25em 0 0;opacity:.75}
h1{font-size:1.6rem;margin:0;overflow-wrap:anywhere}
.grid{list-style:none;padding:0;margin:24px 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.grid li{margin:0}
.grid a{display:block;aspect-ratio:1;overflow:hidden;border-radius:6px;background:#8883}
.grid img{width:100%;height:100%;object-fit:cover;display:block}
.grid small{display:block;font-size:.8rem;opacity:.75;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-top:2px}
form{display:grid;gap:14px;max-width:420px;margin:24px 0}
label{display:grid;gap:6px;font-weight:600}
input{font:inherit;font-weight:400;padding:10px;border-radius:6px;border:1px solid #8888;min-height:44px;box-sizing:border-box}
button{font:inherit;font-weight:600;padding:10px 18px;border-radius:6px;border:0;background:#2f6fed;color:#fff;min-height:44px;min-width:44px;cursor:pointer}
.note{padding:10px 12px;border-radius:6px;background:#8882}
.error{padding:10px 12px;border-radius:6px;background:#d3303022}
.results{padding-left:1.2em}
.empty{opacity:.75}
`;

/** The CSP source that allows exactly the stylesheet above. */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** The pages' policy: nothing but the inline stylesheet (by hash), images from this origin and the photo store, forms to this origin. */
export function pageContentSecurityPolicy(imageOrigins: readonly string[]): Record<string, string[]> {
  return {
    defaultSrc: ["'none'"],
    styleSrc: [STYLE_SOURCE],
    imgSrc: ["'self'", 'data:', ...new Set(imageOrigins)],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  };
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · AuroraVault</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const header = (name: string, line: string) => `<header><h1>${escapeHtml(name)}</h1><p>${escapeHtml(line)}</p></header>`;

/** The form a password-protected link asks with; `action` is this page (a POST, so the password never lands in a URL). */
function passwordForm(message?: string): string {
  return `${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" enctype="multipart/form-data">
<label>Password<input type="password" name="password" required autocomplete="current-password"></label>
<button type="submit">Open</button>
</form>`;
}

export function passwordPage(albumName: string, message?: string): string {
  return page(albumName, `${header(albumName, 'This shared album is protected by a password.')}\n${passwordForm(message)}`);
}

export interface ViewPageInput {
  albumName: string;
  photos: AlbumPhotoJson[];
  nextCursor: string | null;
  /** A password-protected link pages with a form that sends the password again (never in the URL). */
  password?: string;
}

/** Only http(s) URLs (ours, signed) reach an attribute; anything else (javascript:...) is dropped. */
const webUrl = (url: string | undefined) => (url !== undefined && /^https?:\/\//i.test(url) ? url : undefined);

function photoTile(photo: AlbumPhotoJson): string {
  const thumbnail = webUrl(photo.urls.thumbnail) ?? webUrl(photo.urls.preview);
  const full = webUrl(photo.urls.preview) ?? webUrl(photo.urls.original) ?? thumbnail;
  const size = photo.width && photo.height ? ` width="${photo.width}" height="${photo.height}"` : '';
  const image = thumbnail ? `<img src="${escapeHtml(thumbnail)}" alt="${escapeHtml(photo.filename)}" loading="lazy"${size}>` : '';
  const by = photo.addedBy.guest ? `Added by ${photo.addedBy.name}` : photo.filename;
  return `<li><a href="${escapeHtml(full ?? '#')}" title="${escapeHtml(photo.filename)}">${image}</a><small>${escapeHtml(by)}</small></li>`;
}

export function viewPage(input: ViewPageInput): string {
  const { albumName, photos, nextCursor, password } = input;
  const grid = photos.length > 0 ? `<ul class="grid">\n${photos.map(photoTile).join('\n')}\n</ul>` : '<p class="empty">No photos in this album yet.</p>';
  let more = '';
  if (nextCursor !== null) {
    more =
      password === undefined
        ? `<p><a href="?cursor=${encodeURIComponent(nextCursor)}">More photos</a></p>`
        : `<form method="post" enctype="multipart/form-data"><input type="hidden" name="password" value="${escapeHtml(password)}"><input type="hidden" name="cursor" value="${escapeHtml(nextCursor)}"><button type="submit">More photos</button></form>`;
  }
  return page(albumName, `${header(albumName, 'A shared album')}\n${grid}\n${more}`);
}

export interface CollectPageInput {
  albumName: string;
  needsPassword: boolean;
  maxFiles: number;
  maxFileBytes: number;
  /** After an upload: what happened to each file. */
  results?: GuestUploadResultJson[];
  error?: string;
  /** The name the guest typed, kept for their next batch. */
  name?: string;
}

const STATUS_TEXT = { added: 'added', duplicate: 'already in the album owner\'s photos (added to the album)', rejected: 'not added' } as const;

export function collectPage(input: CollectPageInput): string {
  const { albumName, needsPassword, maxFiles, maxFileBytes, results, error, name } = input;
  const limits = `Up to ${maxFiles} photos at a time, ${Math.floor(maxFileBytes / 1024 ** 2)} MB each.`;
  const done =
    results && results.length > 0
      ? `<div class="note" role="status"><p>Thank you! Your photos:</p><ul class="results">${results
          .map((r) => `<li>${escapeHtml(r.filename)}: ${escapeHtml(STATUS_TEXT[r.status])}${r.error ? ` (${escapeHtml(r.error)})` : ''}</li>`)
          .join('')}</ul></div>`
      : '';
  const failure = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  const form = `<form method="post" enctype="multipart/form-data">
<label>Your name<input type="text" name="name" required maxlength="60" autocomplete="name" value="${escapeHtml(name ?? '')}"></label>
${needsPassword ? '<label>Password<input type="password" name="password" required autocomplete="current-password"></label>\n' : ''}<label>Photos<input type="file" name="file" multiple required accept="image/*"></label>
<button type="submit">Add photos</button>
</form>`;
  return page(albumName, `${header(albumName, `Add your photos to this album. ${limits}`)}\n${done}${failure}\n${form}`);
}

/** Any refusal (an unknown link, too many requests...) as a page: a title and a sentence. */
export function messagePage(title: string, message: string): string {
  return page(title, `<header><h1>${escapeHtml(title)}</h1></header>\n<p>${escapeHtml(message)}</p>`);
}
