import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, Screen } from '../ui/kit';

/** Placeholder: being built (issue 8). */
export function UploadingScreen(_props: NativeStackScreenProps<AppRoutes, 'Uploading'>) {
  return (
    <Screen>
      <EmptyState title="Uploading" />
    </Screen>
  );
}
