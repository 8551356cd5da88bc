import { StyleSheet, Text, View } from 'react-native';
import { colors, radius, space, type } from '../../ui/theme';
import type { Detail } from './photo-details';

/** A photo's details as label–value rows in one card, values selectable for copying. Shared by the library's and an album's photo screens. */
export function DetailsTable({ details }: { details: Detail[] }) {
  return (
    <View style={styles.details} accessibilityLabel="Details">
      {details.map((detail, index) => (
        <View key={detail.label} style={[styles.detail, index > 0 && styles.divided]}>
          <Text style={styles.detailLabel}>{detail.label}</Text>
          <Text style={styles.detailValue} selectable>
            {detail.value}
          </Text>
        </View>
      ))}
    </View>
  );
}

const styles = StyleSheet.create({
  details: { backgroundColor: colors.surface, borderRadius: radius.md, borderWidth: 1, borderColor: colors.border, paddingHorizontal: space.md },
  detail: { flexDirection: 'row', justifyContent: 'space-between', gap: space.md, paddingVertical: space.sm },
  divided: { borderTopWidth: StyleSheet.hairlineWidth, borderTopColor: colors.border },
  detailLabel: { ...type.label, color: colors.muted, flexShrink: 0 },
  detailValue: { ...type.body, flexShrink: 1, textAlign: 'right' },
});
