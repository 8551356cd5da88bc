import { Platform, Share } from 'react-native';

/** What the copy button says: a browser copies; a phone opens its share sheet (which has Copy). */
export const COPY_LABEL = Platform.OS === 'web' ? 'Copy link' : 'Share link';

/**
 * Hands a link to the user: the clipboard in a browser, the system share sheet on a phone (React
 * Native's own Clipboard is deprecated and the app has no clipboard module). False when it failed.
 */
export async function copyLink(url: string): Promise<boolean> {
  try {
    if (Platform.OS === 'web') {
      const clipboard = (globalThis as { navigator?: { clipboard?: { writeText(text: string): Promise<void> } } }).navigator?.clipboard;
      if (!clipboard) return false;
      await clipboard.writeText(url);
      return true;
    }
    await Share.share({ message: url, url });
    return true;
  } catch {
    return false;
  }
}
