import type { ReactNode } from 'react';
import { ActivityIndicator, Pressable, ScrollView, StyleSheet, Text, TextInput, View, type TextInputProps, type ViewStyle } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { colors, CONTENT_MAX_WIDTH, FORM_MAX_WIDTH, radius, space, TOUCH_TARGET, type } from './theme';

// The app's building blocks. Screens compose these instead of styling their own buttons and fields,
// so every screen has the same touch targets, labels and states.

export function Screen(props: { children: ReactNode; scroll?: boolean; form?: boolean; testID?: string; edges?: ('top' | 'bottom')[] }) {
  const inner = <View style={[styles.content, props.form && styles.form]}>{props.children}</View>;
  return (
    <SafeAreaView style={styles.screen} edges={props.edges ?? ['bottom']} testID={props.testID}>
      {props.scroll ? (
        <ScrollView contentContainerStyle={styles.scroll} keyboardShouldPersistTaps="handled">
          {inner}
        </ScrollView>
      ) : (
        inner
      )}
    </SafeAreaView>
  );
}

export function Title(props: { children: ReactNode; subtitle?: string }) {
  return (
    <View style={styles.titleBlock}>
      <Text accessibilityRole="header" style={type.title}>
        {props.children}
      </Text>
      {props.subtitle ? <Text style={[type.body, styles.subtitle]}>{props.subtitle}</Text> : null}
    </View>
  );
}

type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'link';

export function Button(props: {
  label: string;
  onPress: () => void;
  variant?: ButtonVariant;
  busy?: boolean;
  disabled?: boolean;
  /** For screen readers when the visible label is not enough ("Retry upload of IMG_001.jpg"). */
  accessibilityLabel?: string;
  accessibilityHint?: string;
  testID?: string;
  style?: ViewStyle;
}) {
  const variant = props.variant ?? 'primary';
  const inactive = props.disabled || props.busy;
  return (
    <Pressable
      accessibilityRole={variant === 'link' ? 'link' : 'button'}
      accessibilityLabel={props.accessibilityLabel ?? props.label}
      accessibilityHint={props.accessibilityHint}
      accessibilityState={{ disabled: !!inactive, busy: !!props.busy }}
      disabled={inactive}
      onPress={props.onPress}
      testID={props.testID}
      style={({ pressed }) => [styles.button, buttonStyles[variant], pressed && pressedStyles[variant], inactive && styles.inactive, props.style]}
    >
      {props.busy ? (
        <ActivityIndicator color={variant === 'primary' || variant === 'danger' ? colors.onPrimary : colors.primary} />
      ) : (
        <Text style={[styles.buttonLabel, labelStyles[variant]]}>{props.label}</Text>
      )}
    </Pressable>
  );
}

export function TextField(
  props: {
    label: string;
    value: string;
    onChangeText: (text: string) => void;
    error?: string;
    hint?: string;
  } & Pick<TextInputProps, 'secureTextEntry' | 'autoComplete' | 'keyboardType' | 'textContentType' | 'onSubmitEditing' | 'returnKeyType' | 'autoFocus' | 'testID' | 'inputMode' | 'maxLength' | 'placeholder'>,
) {
  const { label, error, hint, ...input } = props;
  return (
    <View style={styles.field}>
      <Text style={type.label}>{label}</Text>
      <TextInput
        {...input}
        accessibilityLabel={label}
        accessibilityHint={error ?? hint}
        autoCapitalize="none"
        autoCorrect={false}
        placeholderTextColor={colors.muted}
        style={[styles.input, error ? styles.inputError : null]}
      />
      {error ? (
        <Text style={styles.fieldError} accessibilityLiveRegion="polite">
          {error}
        </Text>
      ) : hint ? (
        <Text style={type.caption}>{hint}</Text>
      ) : null}
    </View>
  );
}

export type BannerKind = 'error' | 'info' | 'success' | 'warning';

/** A message about the whole screen: errors are announced (role alert), the others are polite. */
export function Banner(props: { kind: BannerKind; children: ReactNode; action?: { label: string; onPress: () => void }; testID?: string }) {
  const tone = bannerTones[props.kind];
  return (
    <View style={[styles.banner, { backgroundColor: tone.background, borderColor: tone.text }]} testID={props.testID}>
      {/* The role is on the text: on the container it would fold the action button into one element. */}
      <Text
        accessibilityRole={props.kind === 'error' ? 'alert' : undefined}
        accessibilityLiveRegion={props.kind === 'error' ? 'assertive' : 'polite'}
        style={[styles.bannerText, { color: tone.text }]}
      >
        {props.children}
      </Text>
      {props.action ? <Button variant="link" label={props.action.label} onPress={props.action.onPress} /> : null}
    </View>
  );
}

/** What a screen shows when it has nothing yet: never a blank page. */
export function EmptyState(props: { title: string; message?: string; action?: { label: string; onPress: () => void }; testID?: string }) {
  return (
    <View style={styles.centered} testID={props.testID}>
      <Text accessibilityRole="header" style={[type.heading, styles.centerText]}>
        {props.title}
      </Text>
      {props.message ? <Text style={[type.body, styles.centerText, styles.muted]}>{props.message}</Text> : null}
      {props.action ? <Button label={props.action.label} onPress={props.action.onPress} style={styles.emptyAction} /> : null}
    </View>
  );
}

export function LoadingState(props: { label: string }) {
  return (
    <View style={styles.centered} accessibilityLabel={props.label} accessibilityRole="progressbar">
      <ActivityIndicator size="large" color={colors.primary} />
      <Text style={[type.caption, styles.loadingLabel]}>{props.label}</Text>
    </View>
  );
}

/** A determinate bar, 0..1; labelled for screen readers with its percentage. */
export function ProgressBar(props: { value: number; label: string; tone?: 'primary' | 'success' | 'danger' }) {
  const value = Math.max(0, Math.min(1, props.value));
  const fill = props.tone === 'success' ? colors.success : props.tone === 'danger' ? colors.danger : colors.primary;
  return (
    <View
      accessible
      accessibilityRole="progressbar"
      accessibilityLabel={props.label}
      accessibilityValue={{ min: 0, max: 100, now: Math.round(value * 100) }}
      style={styles.progressTrack}
    >
      <View style={[styles.progressFill, { width: `${value * 100}%`, backgroundColor: fill }]} />
    </View>
  );
}

export function Row(props: { children: ReactNode; style?: ViewStyle }) {
  return <View style={[styles.row, props.style]}>{props.children}</View>;
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  scroll: { flexGrow: 1 },
  content: { flex: 1, width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center', padding: space.lg },
  form: { maxWidth: FORM_MAX_WIDTH, justifyContent: 'center', gap: space.lg },
  titleBlock: { marginBottom: space.sm },
  subtitle: { marginTop: space.xs, color: colors.muted },
  button: {
    minHeight: TOUCH_TARGET,
    minWidth: TOUCH_TARGET,
    paddingHorizontal: space.lg,
    borderRadius: radius.md,
    alignItems: 'center',
    justifyContent: 'center',
  },
  buttonLabel: { fontSize: 16, fontWeight: '600' },
  inactive: { opacity: 0.55 },
  field: { gap: space.xs },
  input: {
    minHeight: TOUCH_TARGET + 4,
    borderWidth: 1,
    borderColor: colors.border,
    borderRadius: radius.sm,
    backgroundColor: colors.surface,
    paddingHorizontal: space.md,
    fontSize: 16,
    color: colors.text,
  },
  inputError: { borderColor: colors.danger },
  fieldError: { color: colors.danger, fontSize: 13 },
  banner: { borderWidth: 1, borderRadius: radius.sm, padding: space.md, gap: space.xs },
  bannerText: { fontSize: 15 },
  centered: { flex: 1, alignItems: 'center', justifyContent: 'center', padding: space.xl, gap: space.sm },
  centerText: { textAlign: 'center' },
  muted: { color: colors.muted },
  emptyAction: { marginTop: space.md },
  loadingLabel: { marginTop: space.sm },
  progressTrack: { height: 6, borderRadius: 3, backgroundColor: colors.placeholder, overflow: 'hidden' },
  progressFill: { height: 6, borderRadius: 3 },
  row: { flexDirection: 'row', alignItems: 'center', gap: space.sm },
});

const buttonStyles = StyleSheet.create({
  primary: { backgroundColor: colors.primary },
  secondary: { backgroundColor: colors.surface, borderWidth: 1, borderColor: colors.border },
  danger: { backgroundColor: colors.danger },
  link: { backgroundColor: 'transparent', paddingHorizontal: space.sm },
});
const pressedStyles = StyleSheet.create({
  primary: { backgroundColor: colors.primaryPressed },
  secondary: { backgroundColor: colors.placeholder },
  danger: { opacity: 0.85 },
  link: { opacity: 0.7 },
});
const labelStyles = StyleSheet.create({
  primary: { color: colors.onPrimary },
  secondary: { color: colors.text },
  danger: { color: colors.onPrimary },
  link: { color: colors.primary },
});
const bannerTones: Record<BannerKind, { background: string; text: string }> = {
  error: { background: colors.dangerSurface, text: colors.danger },
  info: { background: colors.surface, text: colors.text },
  success: { background: colors.successSurface, text: colors.success },
  warning: { background: colors.warningSurface, text: colors.warning },
};
