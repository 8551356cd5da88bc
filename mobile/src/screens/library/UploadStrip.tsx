import { useEffect, useState } from 'react';
import { Pressable, StyleSheet, Text } from 'react-native';
import { useServices } from '../../app/session';
import type { UploadItem } from '../../core/upload-types';
import { colors, radius, space, TOUCH_TARGET } from '../../ui/theme';

/** What the pending queue holds that the user may want to know about, in words; undefined when nothing. */
export function uploadSummary(items: readonly UploadItem[]): { text: string; attention: boolean } | undefined {
  const failed = items.filter((i) => i.step === 'failed').length;
  const active = items.filter((i) => i.step !== 'failed' && i.step !== 'done').length;
  const parts: string[] = [];
  if (active > 0) parts.push(`Uploading ${active} ${active === 1 ? 'photo' : 'photos'}…`);
  if (failed > 0) parts.push(`${failed} ${failed === 1 ? 'upload needs' : 'uploads need'} attention`);
  return parts.length > 0 ? { text: parts.join(' · '), attention: failed > 0 } : undefined;
}

/** A strip above the grid while uploads are unfinished; it opens the Uploading screen. */
export function UploadStrip(props: { onOpen: () => void }) {
  const { uploads } = useServices();
  const [items, setItems] = useState<readonly UploadItem[]>(() => uploads.list());
  useEffect(() => uploads.subscribe(setItems), [uploads]);
  const summary = uploadSummary(items);
  if (!summary) return null;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${summary.text} Open uploads`}
      onPress={props.onOpen}
      style={({ pressed }) => [styles.strip, summary.attention ? styles.attention : styles.progress, pressed && styles.pressed]}
    >
      <Text style={[styles.text, summary.attention ? styles.attentionText : styles.progressText]}>{summary.text}</Text>
      <Text style={[styles.text, summary.attention ? styles.attentionText : styles.progressText]}>View</Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  strip: {
    minHeight: TOUCH_TARGET,
    marginHorizontal: space.md,
    marginTop: space.md,
    paddingHorizontal: space.md,
    borderRadius: radius.sm,
    borderWidth: 1,
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: space.sm,
  },
  progress: { backgroundColor: colors.surface, borderColor: colors.border },
  attention: { backgroundColor: colors.warningSurface, borderColor: colors.warning },
  pressed: { opacity: 0.8 },
  text: { fontSize: 15, fontWeight: '600' },
  progressText: { color: colors.primary },
  attentionText: { color: colors.warning },
});
