import { useCallback, useEffect, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { useServices } from '../../app/session';
import { emailError } from '../../core/album-rules';
import { toApiError } from '../../core/errors';
import { otherMembers } from '../../core/family';
import type { Family, Member, MemberRole } from '../../core/sharing-types';
import { Segmented } from '../../ui/bars';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Banner, Button, TextField } from '../../ui/kit';
import { colors, radius, space, type } from '../../ui/theme';
import { describeAlbumError } from './album-errors';

const ROLES: { value: MemberRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'contributor', label: 'Contributor' },
];
const ROLE_NAMES = { owner: 'Owner', viewer: 'Viewer', contributor: 'Contributor' } as const;

/** A member as a row says it: their name, else their email. */
const who = (member: { name?: string | null; email?: string | null; userId: string }) => member.name?.trim() || member.email || member.userId;

/** Who the album is shared with: family members in one tap, anyone by email, the members with Remove. */
export function ShareMembers(props: { albumId: string }) {
  const services = useServices();
  const { albums, user } = services;
  const [members, setMembers] = useState<Member[] | undefined>();
  const [family, setFamily] = useState<Family | null>(null);
  const [role, setRole] = useState<MemberRole>('viewer');
  const [email, setEmail] = useState('');
  const [emailProblem, setEmailProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();
  const [removing, setRemoving] = useState<Member | undefined>();

  const load = useCallback(async () => {
    try {
      setMembers(await albums.members(props.albumId));
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Load the members') });
    }
  }, [albums, props.albumId]);

  useEffect(() => {
    void load();
    // The family is only a shortcut: without it (offline, none) the email field still works.
    void services.family
      .view()
      .then(async (view) => {
        if (view.cached) setFamily(view.cached.value.family);
        setFamily((await view.fresh).family);
      })
      .catch(() => undefined);
  }, [load, services.family]);

  async function share(address: string, key: string) {
    setBusy(key);
    setMessage(undefined);
    try {
      const member = await albums.share(props.albumId, address, role);
      setMessage({ kind: 'success', text: `Shared with ${who(member)} as ${ROLE_NAMES[role].toLowerCase()}` });
      if (key === 'email') setEmail('');
      services.albumsChanged();
      await load();
    } catch (error) {
      const problem = toApiError(error);
      const onEmail = problem.errors.find((e) => e.path.includes('email'));
      if (key === 'email' && (onEmail || problem.status === 404)) setEmailProblem(onEmail?.message ?? 'No AuroraVault account has this email address');
      else setMessage({ kind: 'error', text: describeAlbumError(problem, 'Share the album') });
    } finally {
      setBusy(undefined);
    }
  }

  function shareByEmail() {
    const problem = emailError(email);
    setEmailProblem(problem);
    if (!problem) void share(email.trim(), 'email');
  }

  async function remove(member: Member) {
    setBusy(`remove:${member.userId}`);
    setMessage(undefined);
    try {
      await albums.removeMember(props.albumId, member.userId);
      setMessage({ kind: 'success', text: `${who(member)} no longer has access` });
      services.albumsChanged();
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Remove the member') });
    } finally {
      setBusy(undefined);
      setRemoving(undefined);
    }
  }

  const memberIds = new Set((members ?? []).map((m) => m.userId));
  const relatives = otherMembers(family, user.userId);

  return (
    <View style={styles.section}>
      <Text accessibilityRole="header" style={type.heading}>
        People
      </Text>
      <Segmented label="Share as" options={ROLES} value={role} onChange={setRole} />
      <Text style={type.caption}>{role === 'viewer' ? 'Viewers see the photos.' : 'Contributors see the photos and add their own.'}</Text>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      {relatives.length > 0 ? (
        <View style={styles.card} accessibilityLabel="Family">
          <Text style={styles.cardTitle}>Your family</Text>
          {relatives.map((relative) => (
            <View key={relative.userId} style={styles.row}>
              <View style={styles.grow}>
                <Text style={styles.name}>{who(relative)}</Text>
                <Text style={type.caption}>{relative.email}</Text>
              </View>
              {memberIds.has(relative.userId) ? (
                <Text style={styles.done}>Shared</Text>
              ) : (
                <Button variant="secondary" label="Share" accessibilityLabel={`Share with ${who(relative)}`} busy={busy === relative.userId} disabled={!!busy} onPress={() => void share(relative.email, relative.userId)} />
              )}
            </View>
          ))}
        </View>
      ) : null}
      <View style={styles.emailRow}>
        <View style={styles.grow}>
          <TextField label="Email" value={email} onChangeText={(text) => (setEmail(text), setEmailProblem(undefined))} error={emailProblem} keyboardType="email-address" autoComplete="email" inputMode="email" returnKeyType="send" onSubmitEditing={shareByEmail} />
        </View>
        <Button label="Share" accessibilityLabel="Share by email" onPress={shareByEmail} busy={busy === 'email'} disabled={!!busy} style={styles.emailButton} />
      </View>
      <View style={styles.card} accessibilityLabel="Members">
        <Text style={styles.cardTitle}>Who has access</Text>
        {members === undefined ? (
          <Text style={type.caption}>Loading…</Text>
        ) : (
          members.map((member) => (
            <View key={member.userId} style={styles.row} testID={`member-${member.userId}`}>
              <View style={styles.grow}>
                <Text style={styles.name}>{member.userId === user.userId ? `${who(member)} (you)` : who(member)}</Text>
                <Text style={type.caption}>{ROLE_NAMES[member.role]}</Text>
              </View>
              {member.role !== 'owner' ? (
                <Button variant="secondary" label="Remove" accessibilityLabel={`Remove ${who(member)}`} disabled={!!busy} onPress={() => setRemoving(member)} />
              ) : null}
            </View>
          ))
        )}
        {members && members.length <= 1 ? <Text style={type.caption}>Only you so far.</Text> : null}
      </View>
      <ConfirmDialog
        visible={!!removing}
        title={`Remove ${removing ? who(removing) : ''}?`}
        message={removing?.role === 'contributor' ? 'The photos they added leave the album (they keep them in their library).' : 'They will no longer see the album.'}
        confirmLabel="Remove"
        destructive
        busy={!!busy}
        onConfirm={() => removing && void remove(removing)}
        onCancel={() => setRemoving(undefined)}
      />
    </View>
  );
}

export const shareStyles = StyleSheet.create({
  section: { gap: space.md },
  card: { backgroundColor: colors.surface, borderRadius: radius.md, borderWidth: 1, borderColor: colors.border, padding: space.md, gap: space.sm },
  cardTitle: { ...type.label, color: colors.muted },
  row: { flexDirection: 'row', alignItems: 'center', gap: space.sm, minHeight: 44 },
  grow: { flex: 1, minWidth: 0 },
  name: { fontSize: 16, fontWeight: '600', color: colors.text },
});
const styles = StyleSheet.create({
  ...shareStyles,
  done: { ...type.label, color: colors.success, paddingHorizontal: space.sm },
  emailRow: { flexDirection: 'row', alignItems: 'flex-start', gap: space.sm },
  emailButton: { marginTop: 22 },
});
