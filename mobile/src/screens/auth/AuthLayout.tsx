import type { ReactNode } from 'react';
import { KeyboardAvoidingView, Platform, StyleSheet, Text, useWindowDimensions, View } from 'react-native';
import { Button, Row, Screen, Title } from '../../ui/kit';
import { colors, radius, space, type } from '../../ui/theme';

/** From this window width the form sits on a card (a browser, a tablet); below it fills the phone's screen. */
const CARD_MIN_WINDOW_WIDTH = 600;

/** The app's name with its mark: what every signed-out screen opens with. */
function Wordmark() {
  return (
    <View style={styles.brand}>
      <View style={styles.brandRow}>
        <View style={styles.mark} accessibilityElementsHidden importantForAccessibility="no-hide-descendants">
          <View style={[styles.markBand, styles.markBandLow]} />
          <View style={[styles.markBand, styles.markBandHigh]} />
        </View>
        <Text style={styles.name}>AuroraVault</Text>
      </View>
      <Text style={styles.tagline}>Your photos, safely kept.</Text>
    </View>
  );
}

/**
 * Login, Sign Up and Reset Password share this frame: the wordmark, then the form under its title
 * (on a card on wide windows), then `footer` (links to the other auth screens) under the card.
 */
export function AuthLayout(props: { title: string; subtitle?: string; children: ReactNode; footer?: ReactNode; testID?: string }) {
  const { width } = useWindowDimensions();
  const framed = width >= CARD_MIN_WINDOW_WIDTH;
  return (
    <KeyboardAvoidingView style={styles.fill} behavior={Platform.OS === 'ios' ? 'padding' : undefined}>
      <Screen scroll form edges={['top', 'bottom']} testID={props.testID}>
        <Wordmark />
        <View style={[styles.body, framed && styles.card]}>
          <Title subtitle={props.subtitle}>{props.title}</Title>
          {props.children}
        </View>
        {props.footer ? <View style={styles.footer}>{props.footer}</View> : null}
      </Screen>
    </KeyboardAvoidingView>
  );
}

/** "New to AuroraVault? Create an account": a question and the link that answers it, under the card. */
export function FooterLink(props: { prompt: string; label: string; accessibilityLabel?: string; onPress: () => void }) {
  return (
    <Row style={styles.footerRow}>
      <Text style={styles.prompt}>{props.prompt}</Text>
      <Button variant="link" label={props.label} accessibilityLabel={props.accessibilityLabel} onPress={props.onPress} />
    </Row>
  );
}

const MARK_SIZE = 40;

const styles = StyleSheet.create({
  fill: { flex: 1 },
  brand: { alignItems: 'center', gap: space.xs, marginBottom: space.sm },
  brandRow: { flexDirection: 'row', alignItems: 'center', gap: space.sm },
  mark: { width: MARK_SIZE, height: MARK_SIZE, borderRadius: radius.md, backgroundColor: colors.primary, overflow: 'hidden', justifyContent: 'flex-end' },
  // Two soft bands across the mark: the "aurora" over the vault.
  markBand: { position: 'absolute', left: -space.sm, right: -space.sm, height: MARK_SIZE / 3, borderRadius: radius.lg, transform: [{ rotate: '-18deg' }] },
  markBandLow: { bottom: space.xs, backgroundColor: colors.successSurface, opacity: 0.9 },
  markBandHigh: { bottom: MARK_SIZE / 2, backgroundColor: colors.onPrimary, opacity: 0.35 },
  name: { ...type.title, letterSpacing: -0.5 },
  tagline: { ...type.body, color: colors.muted },
  body: { gap: space.lg },
  card: { backgroundColor: colors.surface, borderColor: colors.border, borderWidth: 1, borderRadius: radius.lg, padding: space.xl },
  footer: { alignItems: 'center', gap: space.xs },
  footerRow: { flexWrap: 'wrap', justifyContent: 'center', gap: 0 },
  prompt: { ...type.body, color: colors.muted },
});
