import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, Screen } from '../ui/kit';

/** Placeholder: being built (issue 8). */
export function AccountScreen(_props: NativeStackScreenProps<AppRoutes, 'Account'>) {
  return (
    <Screen>
      <EmptyState title="Account" />
    </Screen>
  );
}
