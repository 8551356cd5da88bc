import { useEffect } from 'react';
import { BackHandler } from 'react-native';

/** Android's back button ends a selection instead of leaving the screen (a no-op elsewhere). */
export function useCancelOnBack(active: boolean, cancel: () => void): void {
  useEffect(() => {
    if (!active) return undefined;
    const subscription = BackHandler.addEventListener('hardwareBackPress', () => {
      cancel();
      return true;
    });
    return () => subscription.remove();
  }, [active, cancel]);
}
