import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AuthRoutes } from '../../navigation/routes';
import { EmptyState, Screen } from '../../ui/kit';

/** Placeholder: being built (issue 8). */
export function ResetPasswordScreen(_props: NativeStackScreenProps<AuthRoutes, 'ResetPassword'>) {
  return (
    <Screen>
      <EmptyState title="ResetPassword" />
    </Screen>
  );
}
