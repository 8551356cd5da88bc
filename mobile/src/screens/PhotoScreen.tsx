import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, Screen } from '../ui/kit';

/** Placeholder: being built (issue 8). */
export function PhotoScreen(_props: NativeStackScreenProps<AppRoutes, 'Photo'>) {
  return (
    <Screen>
      <EmptyState title="Photo" />
    </Screen>
  );
}
