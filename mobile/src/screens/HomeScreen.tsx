import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, Screen } from '../ui/kit';

/** Placeholder: being built (issue 8). */
export function HomeScreen(_props: NativeStackScreenProps<AppRoutes, 'Home'>) {
  return (
    <Screen>
      <EmptyState title="Home" />
    </Screen>
  );
}
