import type { ReactNode } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { colors, CONTENT_MAX_WIDTH, radius, space, TOUCH_TARGET } from './theme';

export type TabName = 'Home' | 'Albums' | 'Family';

const TABS: { name: TabName; label: string }[] = [
  { name: 'Home', label: 'Photos' },
  { name: 'Albums', label: 'Albums' },
  { name: 'Family', label: 'Family' },
];

/**
 * The app's sections along the bottom, as a phone's tab bar: Photos, Albums, Family. Drawn by the app
 * (one row of the kit's targets) so the stack keeps its web URLs and back behaviour.
 */
export function TabBar(props: { current: TabName; onSelect: (tab: TabName) => void }) {
  return (
    <SafeAreaView edges={['bottom']} style={styles.tabBar}>
      <View style={styles.tabRow} accessibilityRole="tablist">
        {TABS.map((tab) => {
          const current = tab.name === props.current;
          return (
            <Pressable
              key={tab.name}
              accessibilityRole="tab"
              accessibilityLabel={tab.label}
              accessibilityState={{ selected: current }}
              aria-selected={current}
              onPress={() => !current && props.onSelect(tab.name)}
              style={({ pressed }) => [styles.tab, pressed && styles.pressed]}
            >
              <View style={[styles.tabMark, current && styles.tabMarkOn]} />
              <Text style={[styles.tabLabel, current && styles.tabLabelOn]}>{tab.label}</Text>
            </Pressable>
          );
        })}
      </View>
    </SafeAreaView>
  );
}

/** Two or three choices side by side, one chosen (My albums / Shared with me; Viewer / Contributor). */
export function Segmented<T extends string>(props: { options: { value: T; label: string }[]; value: T; onChange: (value: T) => void; label: string }) {
  return (
    <View style={styles.segmented} accessibilityRole="radiogroup" accessibilityLabel={props.label}>
      {props.options.map((option) => {
        const on = option.value === props.value;
        return (
          <Pressable
            key={option.value}
            accessibilityRole="radio"
            accessibilityLabel={option.label}
            accessibilityState={{ checked: on }}
            aria-checked={on}
            onPress={() => props.onChange(option.value)}
            style={({ pressed }) => [styles.segment, on && styles.segmentOn, pressed && !on && styles.pressed]}
          >
            <Text style={[styles.segmentLabel, on && styles.segmentLabelOn]} numberOfLines={1}>
              {option.label}
            </Text>
          </Pressable>
        );
      })}
    </View>
  );
}

/** The actions on what is selected, pinned under the grid while selecting. */
export function ActionBar(props: { title: string; children: ReactNode }) {
  return (
    <SafeAreaView edges={['bottom']} style={styles.actionBar}>
      <View style={styles.actionRow}>
        <Text style={styles.actionTitle} accessibilityLiveRegion="polite">
          {props.title}
        </Text>
        <View style={styles.actions}>{props.children}</View>
      </View>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  tabBar: { backgroundColor: colors.surface, borderTopWidth: StyleSheet.hairlineWidth, borderTopColor: colors.border },
  tabRow: { flexDirection: 'row', width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center' },
  tab: { flex: 1, minHeight: TOUCH_TARGET + 8, alignItems: 'center', justifyContent: 'center', gap: 4 },
  tabMark: { width: 28, height: 3, borderRadius: 2, backgroundColor: 'transparent' },
  tabMarkOn: { backgroundColor: colors.primary },
  tabLabel: { fontSize: 14, fontWeight: '600', color: colors.muted },
  tabLabelOn: { color: colors.primary },
  pressed: { backgroundColor: colors.placeholder },
  segmented: { flexDirection: 'row', backgroundColor: colors.placeholder, borderRadius: radius.md, padding: 3, gap: 3 },
  segment: { flex: 1, minHeight: TOUCH_TARGET, borderRadius: radius.sm + 2, alignItems: 'center', justifyContent: 'center', paddingHorizontal: space.sm },
  segmentOn: { backgroundColor: colors.surface, shadowColor: '#000', shadowOpacity: 0.08, shadowRadius: 3, shadowOffset: { width: 0, height: 1 } },
  segmentLabel: { fontSize: 15, fontWeight: '600', color: colors.muted },
  segmentLabelOn: { color: colors.text },
  actionBar: { backgroundColor: colors.surface, borderTopWidth: StyleSheet.hairlineWidth, borderTopColor: colors.border },
  actionRow: { flexDirection: 'row', alignItems: 'center', justifyContent: 'space-between', gap: space.sm, padding: space.md, width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center' },
  actionTitle: { fontSize: 16, fontWeight: '700', color: colors.text, flexShrink: 1 },
  actions: { flexDirection: 'row', gap: space.sm, flexShrink: 0 },
});
