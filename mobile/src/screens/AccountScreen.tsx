import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ActivityIndicator, StyleSheet, Text, View } from 'react-native';
import type { Me } from '../app/services';
import { useServices, useSession } from '../app/session';
import { toApiError } from '../core/errors';
import type { UploadItem } from '../core/upload-types';
import type { AppRoutes } from '../navigation/routes';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { formatBytes } from '../ui/format';
import { Banner, Button, ProgressBar, Screen } from '../ui/kit';
import { colors, radius, space, type } from '../ui/theme';

const DELETED_NOTICE = 'Your account has been deleted. Its photos are being removed from AuroraVault.';

/** What went wrong, as a short phrase (status 0 is no answer at all). */
function why(error: unknown): string {
  const problem = toApiError(error);
  if (problem.status === 0) return 'no connection';
  return (problem.detail || problem.title).replace(/\.$/, '');
}

/** Items still on their way (a failed one waits for the user, not for the next login). */
const unfinishedCount = (items: readonly UploadItem[]) => items.filter((i) => i.step !== 'done' && i.step !== 'failed').length;

/** 1284 -> "1,284": by hand, like the dates (ICU differs between Hermes, browsers and Node). */
const groupDigits = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

type Usage = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; me: Me; stale?: string };

/** Who is signed in, how much of the quota the photos use, and the account's actions. */
export function AccountScreen({ navigation }: NativeStackScreenProps<AppRoutes, 'Account'>) {
  const session = useSession();
  const { user, cache, uploads, onLibraryChanged } = useServices();
  const [usage, setUsage] = useState<Usage>({ state: 'loading' });
  const [unfinished, setUnfinished] = useState(() => unfinishedCount(uploads.list()));
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();

  // The cached answer at once (offline too), then the server's.
  const load = useCallback(async () => {
    const { cached, fresh } = await cache.swr<Me>('me', () => session.api.request('get', '/v1/me'));
    if (cached) setUsage({ state: 'ready', me: cached.value });
    try {
      setUsage({ state: 'ready', me: await fresh });
    } catch (error) {
      const reason = why(error);
      setUsage(
        cached
          ? { state: 'ready', me: cached.value, stale: `Showing the usage saved on this device (${reason}).` }
          : { state: 'error', message: `Could not load your usage: ${reason}.` },
      );
    }
  }, [cache, session.api]);

  useEffect(() => {
    void load();
    return onLibraryChanged(() => void load());
  }, [load, onLibraryChanged]);

  useEffect(() => uploads.subscribe((items) => setUnfinished(unfinishedCount(items))), [uploads]);

  const retry = () => {
    setUsage({ state: 'loading' });
    void load();
  };

  async function signOut() {
    setSigningOut(true);
    setActionError(undefined);
    // Logs out on the server when it answers; the navigator then shows Login.
    await session.signOut();
  }

  async function deleteAccount() {
    setDeleting(true);
    setActionError(undefined);
    try {
      await session.api.request('delete', '/v1/me');
    } catch (error) {
      setDeleting(false);
      setConfirming(false);
      setActionError(`Your account was not deleted: ${why(error)}.`);
      return;
    }
    await session.forgetAccount(DELETED_NOTICE);
  }

  const me = usage.state === 'ready' ? usage.me : undefined;
  const name = me?.name ?? user.name;
  return (
    <Screen scroll>
      <View style={styles.page}>
        {actionError ? <Banner kind="error">{actionError}</Banner> : null}

        <Section>
          {name ? (
            <Text accessibilityRole="header" style={type.heading}>
              {name}
            </Text>
          ) : null}
          <Text style={[type.body, styles.muted]}>{me?.email ?? user.email}</Text>
        </Section>

        <Section title="Storage">
          {usage.state === 'loading' ? (
            <View style={styles.loading} accessible accessibilityRole="progressbar" accessibilityLabel="Loading your usage">
              <ActivityIndicator color={colors.primary} />
              <Text style={type.caption}>Loading your usage</Text>
            </View>
          ) : usage.state === 'error' ? (
            <Banner kind="error" action={{ label: 'Try again', onPress: retry }}>
              {usage.message}
            </Banner>
          ) : (
            <UsageBlock me={usage.me} stale={usage.stale} onRetry={retry} />
          )}
        </Section>

        <Section>
          <Button variant="secondary" label="Trash" accessibilityHint="Photos you moved to the trash" onPress={() => navigation.navigate('Trash')} />
          {unfinished > 0 ? (
            <Text style={type.caption}>
              {`${unfinished} ${unfinished === 1 ? 'photo is' : 'photos are'} still uploading. If you sign out, ${unfinished === 1 ? 'it continues' : 'they continue'} after you next log in.`}
            </Text>
          ) : null}
          <Button variant="secondary" label="Sign out" busy={signingOut} onPress={() => void signOut()} />
        </Section>

        <Section title="Delete account">
          <Text style={[type.body, styles.muted]}>Deletes every photo in your library and the account itself. This cannot be undone.</Text>
          <Button variant="danger" label="Delete account" onPress={() => setConfirming(true)} />
        </Section>
      </View>

      <ConfirmDialog
        visible={confirming}
        title="Delete your account?"
        message="Every photo in your library is deleted, then your account. This cannot be undone."
        confirmLabel="Delete my account"
        destructive
        busy={deleting}
        onConfirm={() => void deleteAccount()}
        onCancel={() => setConfirming(false)}
      />
    </Screen>
  );
}

function UsageBlock(props: { me: Me; stale?: string; onRetry: () => void }) {
  const { bytes, quotaBytes, photos } = props.me.usage;
  const share = quotaBytes > 0 ? bytes / quotaBytes : 0;
  return (
    <View style={styles.usage}>
      <Text style={type.label}>{`${formatBytes(bytes)} of ${formatBytes(quotaBytes)}`}</Text>
      <ProgressBar value={share} label="Storage used" tone={share >= 0.9 ? 'danger' : 'primary'} />
      <Text style={[type.body, styles.muted]}>{`${groupDigits(photos)} ${photos === 1 ? 'photo' : 'photos'}`}</Text>
      {props.stale ? (
        <Banner kind="warning" action={{ label: 'Try again', onPress: props.onRetry }}>
          {props.stale}
        </Banner>
      ) : null}
    </View>
  );
}

function Section(props: { title?: string; children: ReactNode }) {
  return (
    <View style={styles.section}>
      {props.title ? (
        <Text accessibilityRole="header" style={type.label}>
          {props.title}
        </Text>
      ) : null}
      {props.children}
    </View>
  );
}

const styles = StyleSheet.create({
  page: { gap: space.lg, width: '100%', maxWidth: 560, alignSelf: 'center' },
  section: { backgroundColor: colors.surface, borderRadius: radius.md, borderWidth: 1, borderColor: colors.border, padding: space.lg, gap: space.md },
  muted: { color: colors.muted },
  loading: { flexDirection: 'row', alignItems: 'center', gap: space.sm },
  usage: { gap: space.sm },
});
