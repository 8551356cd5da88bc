import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useState } from 'react';
import { RefreshControl, ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { emailError } from '../core/album-rules';
import { toApiError, type ApiError } from '../core/errors';
import { canInvite, FAMILY_MAX, seatsLeft } from '../core/family';
import type { FamilyMember, FamilyView } from '../core/sharing-types';
import type { AppRoutes } from '../navigation/routes';
import { TabBar } from '../ui/bars';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Banner, Button, EmptyState, LoadingState, TextField } from '../ui/kit';
import { colors, CONTENT_MAX_WIDTH, radius, space, type } from '../ui/theme';
import { describeLoadError } from './library/LibraryStates';

const who = (person: { name?: string; email: string }) => person.name?.trim() || person.email;

/** Why a family action failed, in a person's words. */
function describeFamilyError(error: ApiError, action: string): string {
  if (error.isNetworkError) return `You are offline. ${action} when you are connected again.`;
  return error.errors[0]?.message ?? error.detail ?? error.title;
}

type Confirm = { kind: 'leave' } | { kind: 'remove'; member: FamilyMember } | undefined;

/** The family group: members and pending invites, inviting by email, invitations to me, leaving. */
export function FamilyScreen({ navigation }: NativeStackScreenProps<AppRoutes, 'Family'>) {
  const { family: service, user, albumsChanged } = useServices();
  const [view, setView] = useState<FamilyView | undefined>();
  const [loadError, setLoadError] = useState<ApiError | undefined>();
  const [refreshing, setRefreshing] = useState(false);
  const [email, setEmail] = useState('');
  const [emailProblem, setEmailProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();
  const [confirm, setConfirm] = useState<Confirm>();

  const load = useCallback(async () => {
    setLoadError(undefined);
    try {
      const { cached, fresh } = await service.view();
      if (cached) setView((current) => current ?? cached.value);
      setView(await fresh);
    } catch (error) {
      setLoadError(toApiError(error));
    } finally {
      setRefreshing(false);
    }
  }, [service]);
  useEffect(() => void load(), [load]);

  async function act(key: string, action: string, work: () => Promise<unknown>, success: string) {
    setBusy(key);
    setMessage(undefined);
    try {
      await work();
      setMessage({ kind: 'success', text: success });
      albumsChanged();
      await load();
      return true;
    } catch (error) {
      setMessage({ kind: 'error', text: describeFamilyError(toApiError(error), action) });
      return false;
    } finally {
      setBusy(undefined);
      setConfirm(undefined);
    }
  }

  async function invite() {
    const problem = emailError(email);
    setEmailProblem(problem);
    if (problem) return;
    const address = email.trim();
    if (await act('invite', 'Send the invite', () => service.invite(address), `Invite sent to ${address}`)) setEmail('');
  }

  const family = view?.family ?? null;
  const organiser = !!family && family.organiserId === user.userId;
  const seats = seatsLeft(family, Date.now());

  let body;
  if (!view && loadError)
    body = <EmptyState title="Could not load your family" message={describeLoadError(loadError, 'your family')} action={{ label: 'Try again', onPress: () => void load() }} />;
  else if (!view) body = <LoadingState label="Loading your family" />;
  else
    body = (
      <ScrollView
        contentContainerStyle={styles.content}
        keyboardShouldPersistTaps="handled"
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => (setRefreshing(true), void load())} tintColor={colors.primary} colors={[colors.primary]} />}
      >
        {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
        {loadError ? <Banner kind="warning" action={{ label: 'Try again', onPress: () => void load() }}>Could not refresh — showing what is saved</Banner> : null}
        {view.invitations.map((invitation) => (
          <View key={invitation.familyId} style={[styles.card, styles.invitation]} accessibilityLabel="Invitation">
            <Text style={styles.name}>{`${invitation.organiserName?.trim() || invitation.organiserEmail} invited you to their family`}</Text>
            <Text style={type.caption}>Family members can share albums with each other in one tap.</Text>
            <View style={styles.actions}>
              <Button label="Accept" busy={busy === `accept:${invitation.familyId}`} disabled={!!busy} onPress={() => void act(`accept:${invitation.familyId}`, 'Accept the invitation', () => service.accept(invitation.familyId), 'Welcome to the family')} />
              <Button variant="secondary" label="Decline" busy={busy === `decline:${invitation.familyId}`} disabled={!!busy} onPress={() => void act(`decline:${invitation.familyId}`, 'Decline the invitation', () => service.decline(invitation.familyId), 'Invitation declined')} />
            </View>
          </View>
        ))}
        {family ? (
          <View style={styles.card} accessibilityLabel="Members">
            <Text style={styles.cardTitle}>{`Members · ${family.members.length} of ${FAMILY_MAX}`}</Text>
            {family.members.map((member) => (
              <View key={member.userId} style={styles.row} testID={`family-member-${member.userId}`}>
                <View style={styles.grow}>
                  <Text style={styles.name}>{member.userId === user.userId ? `${who(member)} (you)` : who(member)}</Text>
                  <Text style={type.caption}>{member.role === 'organiser' ? `Organiser · ${member.email}` : member.email}</Text>
                </View>
                {organiser && member.userId !== user.userId ? (
                  <Button variant="secondary" label="Remove" accessibilityLabel={`Remove ${who(member)}`} disabled={!!busy} onPress={() => setConfirm({ kind: 'remove', member })} />
                ) : null}
              </View>
            ))}
          </View>
        ) : (
          <View style={styles.intro}>
            <Text accessibilityRole="header" style={type.heading}>
              Start a family
            </Text>
            <Text style={[type.body, styles.muted]}>{`Invite up to ${FAMILY_MAX - 1} people by email. Once they accept, you can share albums with each of them in one tap.`}</Text>
          </View>
        )}
        {family && family.invites.length > 0 ? (
          <View style={styles.card} accessibilityLabel="Pending invites">
            <Text style={styles.cardTitle}>Waiting for an answer</Text>
            {family.invites.map((pending) => (
              <View key={pending.id} style={styles.row}>
                <View style={styles.grow}>
                  <Text style={styles.name}>{pending.email}</Text>
                  <Text style={type.caption}>{Date.parse(pending.expiresAt) <= Date.now() ? 'Expired' : 'Invited'}</Text>
                </View>
                {organiser ? (
                  <Button variant="secondary" label="Withdraw" accessibilityLabel={`Withdraw the invite to ${pending.email}`} disabled={!!busy} onPress={() => void act(`withdraw:${pending.id}`, 'Withdraw the invite', () => service.withdraw(pending.id), 'Invite withdrawn')} />
                ) : null}
              </View>
            ))}
          </View>
        ) : null}
        {canInvite(family, user.userId) ? (
          <View style={styles.card}>
            <Text style={styles.cardTitle}>{seats > 0 ? `Invite someone · ${seats} ${seats === 1 ? 'place' : 'places'} left` : 'The family is full'}</Text>
            <TextField label="Email" value={email} onChangeText={(text) => (setEmail(text), setEmailProblem(undefined))} error={emailProblem} keyboardType="email-address" autoComplete="email" inputMode="email" returnKeyType="send" onSubmitEditing={() => void invite()} />
            <Button label="Send invite" onPress={() => void invite()} busy={busy === 'invite'} disabled={!!busy || seats === 0} />
          </View>
        ) : null}
        {family && !organiser ? <Button variant="secondary" label="Leave family" onPress={() => setConfirm({ kind: 'leave' })} disabled={!!busy} /> : null}
      </ScrollView>
    );

  return (
    <SafeAreaView style={styles.screen} edges={[]}>
      {body}
      <TabBar current="Family" onSelect={(name) => navigation.navigate(name)} />
      <ConfirmDialog
        visible={!!confirm}
        title={confirm?.kind === 'remove' ? `Remove ${who(confirm.member)}?` : 'Leave the family?'}
        message={confirm?.kind === 'remove' ? 'They leave the family. Albums you shared with them stay shared until you remove them there.' : 'You leave the family. Albums shared with you stay until their owners remove you.'}
        confirmLabel={confirm?.kind === 'remove' ? 'Remove' : 'Leave family'}
        destructive
        busy={!!busy}
        onConfirm={() =>
          confirm?.kind === 'remove'
            ? void act('remove', 'Remove the member', () => service.removeMember(confirm.member.userId), `${who(confirm.member)} left the family`)
            : void act('leave', 'Leave the family', () => service.removeMember(user.userId), 'You left the family')
        }
        onCancel={() => setConfirm(undefined)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  content: { width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center', padding: space.lg, gap: space.md },
  card: { backgroundColor: colors.surface, borderRadius: radius.md, borderWidth: 1, borderColor: colors.border, padding: space.md, gap: space.sm },
  invitation: { borderColor: colors.primary },
  cardTitle: { ...type.label, color: colors.muted },
  row: { flexDirection: 'row', alignItems: 'center', gap: space.sm, minHeight: 44 },
  grow: { flex: 1, minWidth: 0 },
  name: { fontSize: 16, fontWeight: '600', color: colors.text },
  actions: { flexDirection: 'row', gap: space.sm },
  intro: { gap: space.sm, paddingVertical: space.sm },
  muted: { color: colors.muted },
});
