import { StyleSheet, Text, View } from 'react-native';
import { passwordRules } from '../../core/password-rules';
import { colors, radius, space, type } from '../../ui/theme';

/**
 * The API's password rules under a new-password field, each ticked as soon as the typed password
 * meets it, so nobody learns them from a refused submit. Screen readers hear "met" or "not met yet".
 */
export function PasswordChecklist(props: { password: string; testID?: string }) {
  return (
    <View style={styles.block} testID={props.testID}>
      <Text style={type.caption}>It needs:</Text>
      <View role="list" style={styles.list}>
        {passwordRules.map((rule) => {
          const met = rule.test(props.password);
          return (
            <View
              key={rule.id}
              role="listitem"
              accessible
              accessibilityLabel={`${rule.label}: ${met ? 'met' : 'not met yet'}`}
              testID={`password-rule-${rule.id}`}
              style={styles.item}
            >
              <View style={[styles.tick, met ? styles.tickMet : styles.tickUnmet]}>
                <Text style={[styles.tickMark, met ? styles.tickMarkMet : styles.tickMarkUnmet]}>{met ? '✓' : '•'}</Text>
              </View>
              <Text style={[type.caption, met ? styles.labelMet : styles.labelUnmet]}>{rule.label}</Text>
            </View>
          );
        })}
      </View>
    </View>
  );
}

const TICK_SIZE = 18;

const styles = StyleSheet.create({
  list: { gap: space.xs },
  block: { gap: space.xs, marginTop: -space.sm },
  item: { flexDirection: 'row', alignItems: 'center', gap: space.sm },
  tick: { width: TICK_SIZE, height: TICK_SIZE, borderRadius: radius.sm, alignItems: 'center', justifyContent: 'center', borderWidth: 1 },
  tickMet: { backgroundColor: colors.success, borderColor: colors.success },
  tickUnmet: { backgroundColor: colors.surface, borderColor: colors.border },
  tickMark: { fontSize: 12, fontWeight: '700', lineHeight: 14 },
  tickMarkMet: { color: colors.onPrimary },
  tickMarkUnmet: { color: colors.muted },
  labelMet: { color: colors.success },
  labelUnmet: { color: colors.muted },
});
