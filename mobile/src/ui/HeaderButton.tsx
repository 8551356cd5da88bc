import type { ReactNode } from 'react';
import { ActivityIndicator, Pressable, StyleSheet, Text, View } from 'react-native';
import { colors, radius, space, TOUCH_TARGET } from './theme';

/** A text button sized for a finger, as header actions look on both platforms (the kit's link role would misname it). */
/** `label` is what a screen reader says; `text`, when given, is the shorter thing drawn. */
export function HeaderButton(props: { label: string; text?: string; onPress: () => void; busy?: boolean }) {
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={props.label}
      accessibilityState={{ busy: !!props.busy, disabled: !!props.busy }}
      disabled={props.busy}
      onPress={props.onPress}
      style={({ pressed }) => [styles.headerButton, pressed && styles.headerButtonPressed]}
    >
      {props.busy ? <ActivityIndicator color={colors.primary} /> : <Text style={[styles.headerButtonLabel, props.text === '↻' && styles.headerIcon]}>{props.text ?? props.label}</Text>}
    </Pressable>
  );
}

export function HeaderActions(props: { children: ReactNode }) {
  return <View style={styles.headerActions}>{props.children}</View>;
}

const styles = StyleSheet.create({
  headerButton: { minHeight: TOUCH_TARGET, minWidth: TOUCH_TARGET, paddingHorizontal: space.sm, borderRadius: radius.sm, alignItems: 'center', justifyContent: 'center' },
  headerButtonPressed: { backgroundColor: colors.placeholder },
  headerButtonLabel: { fontSize: 16, fontWeight: '600', color: colors.primary },
  headerIcon: { fontSize: 22 },
  headerActions: { flexDirection: 'row', alignItems: 'center', gap: space.xs, marginRight: space.sm },
});
