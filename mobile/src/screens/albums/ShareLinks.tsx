import { useCallback, useEffect, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { useServices, useSession } from '../../app/session';
import { describeLink, describeLinkState, EXPIRY_CHOICES, LINK_MAX_UPLOADS, linkPasswordError, linkState, readMaxUploads, sortLinks } from '../../core/album-rules';
import { toApiError } from '../../core/errors';
import type { LinkKind, ShareLink } from '../../core/sharing-types';
import { Segmented } from '../../ui/bars';
import { copyLink, COPY_LABEL } from '../../ui/clipboard';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Banner, Button, TextField } from '../../ui/kit';
import { colors, radius, space, type } from '../../ui/theme';
import { describeAlbumError } from './album-errors';
import { shareStyles } from './ShareMembers';

type Expiry = (typeof EXPIRY_CHOICES)[number]['label'];
const EXPIRY_OPTIONS = EXPIRY_CHOICES.map((choice) => ({ value: choice.label as Expiry, label: choice.label }));
const KINDS: { value: LinkKind; label: string }[] = [
  { value: 'view', label: 'View link' },
  { value: 'collect', label: 'Collect link' },
];

/** The link a guest opens: the server's URL (absolute), else the page's address on the API's origin. */
export function linkUrl(link: ShareLink, origin: string): string {
  if (/^https?:\/\//.test(link.url)) return link.url;
  return `${origin.replace(/\/+$/, '')}${link.url.startsWith('/') ? link.url : `/s/${link.token}`}`;
}

/** Public links of the album: make a view or collect link (expiry, optional password), copy, revoke. */
export function ShareLinks(props: { albumId: string }) {
  const { albums } = useServices();
  const origin = useSession().api.http.defaults.baseURL ?? '';
  const [links, setLinks] = useState<ShareLink[] | undefined>();
  const [kind, setKind] = useState<LinkKind>('view');
  const [expiry, setExpiry] = useState<Expiry>('7 days');
  const [password, setPassword] = useState('');
  const [passwordProblem, setPasswordProblem] = useState<string | undefined>();
  const [maxUploads, setMaxUploads] = useState('');
  const [maxUploadsProblem, setMaxUploadsProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | undefined>();
  const [revoking, setRevoking] = useState<ShareLink | undefined>();

  const load = useCallback(async () => {
    try {
      setLinks(await albums.links(props.albumId));
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Load the links') });
    }
  }, [albums, props.albumId]);
  useEffect(() => void load(), [load]);

  async function create() {
    const problem = linkPasswordError(password);
    setPasswordProblem(problem);
    // A view link takes no limit: whatever the hidden field holds is not checked nor sent.
    const limit = kind === 'collect' ? readMaxUploads(maxUploads) : {};
    setMaxUploadsProblem(limit.error);
    if (problem || limit.error) return;
    setBusy('create');
    setMessage(undefined);
    try {
      const days = EXPIRY_CHOICES.find((choice) => choice.label === expiry)?.days;
      await albums.createLink(props.albumId, { kind, expiresInDays: days, ...(password ? { password } : {}), ...(limit.value !== undefined ? { maxUploads: limit.value } : {}) });
      setPassword('');
      setMaxUploads('');
      setMessage({ kind: 'success', text: kind === 'view' ? 'View link created: anyone with it can see the album.' : 'Collect link created: anyone with it can add photos.' });
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Create the link') });
    } finally {
      setBusy(undefined);
    }
  }

  async function copy(url: string) {
    const ok = await copyLink(url);
    setMessage(ok ? { kind: 'info', text: 'Link copied' } : { kind: 'error', text: 'Could not copy the link: select it and copy it by hand.' });
  }

  async function revoke(link: ShareLink) {
    setBusy(`revoke:${link.id}`);
    setMessage(undefined);
    try {
      await albums.revokeLink(props.albumId, link.id);
      setMessage({ kind: 'success', text: 'Link revoked: it no longer opens the album.' });
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Revoke the link') });
    } finally {
      setBusy(undefined);
      setRevoking(undefined);
    }
  }

  const now = Date.now();
  return (
    <View style={shareStyles.section}>
      <Text accessibilityRole="header" style={type.heading}>
        Links
      </Text>
      <View style={shareStyles.card}>
        <Segmented label="Kind of link" options={KINDS} value={kind} onChange={setKind} />
        <Text style={type.caption}>{kind === 'view' ? 'Anyone with the link sees the album, without an account.' : 'Anyone with the link can add photos to the album, without an account.'}</Text>
        <Text style={type.label}>Expires after</Text>
        <Segmented label="Expires after" options={EXPIRY_OPTIONS} value={expiry} onChange={setExpiry} />
        {kind === 'collect' ? (
          <TextField
            label="Guests may add up to N photos"
            value={maxUploads}
            onChangeText={(text) => (setMaxUploads(text), setMaxUploadsProblem(undefined))}
            error={maxUploadsProblem}
            hint={`N from ${LINK_MAX_UPLOADS.min} to ${LINK_MAX_UPLOADS.max} in all; empty means ${LINK_MAX_UPLOADS.default}`}
            placeholder={String(LINK_MAX_UPLOADS.default)}
            keyboardType="number-pad"
            inputMode="numeric"
          />
        ) : null}
        <TextField label="Password (optional)" value={password} onChangeText={(text) => (setPassword(text), setPasswordProblem(undefined))} error={passwordProblem} hint="At least 8 characters; guests type it to open the link" secureTextEntry autoComplete="new-password" textContentType="newPassword" />
        <Button label={kind === 'view' ? 'Create view link' : 'Create collect link'} onPress={() => void create()} busy={busy === 'create'} disabled={!!busy} />
      </View>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      {links === undefined ? null : links.length === 0 ? (
        <Text style={type.caption}>No links yet.</Text>
      ) : (
        sortLinks(links, now).map((link) => {
          const url = linkUrl(link, origin);
          const active = linkState(link, now) === 'active';
          return (
            <View key={link.id} style={[shareStyles.card, !active && styles.inactive]} testID={`link-${link.id}`} accessibilityLabel={`${link.kind === 'view' ? 'View' : 'Collect'} link`}>
              <View style={shareStyles.row}>
                <View style={shareStyles.grow}>
                  <Text style={shareStyles.name}>{link.kind === 'view' ? 'View link' : 'Collect link'}</Text>
                  <Text style={type.caption}>{describeLink(link)}</Text>
                  <Text style={[type.caption, !active && styles.ended]}>{describeLinkState(link, now)}</Text>
                </View>
              </View>
              {url && active ? (
                <Text style={styles.url} selectable numberOfLines={1}>
                  {url}
                </Text>
              ) : null}
              {active ? (
                <View style={styles.actions}>
                  {url ? <Button variant="secondary" label={COPY_LABEL} onPress={() => void copy(url)} /> : null}
                  <Button variant="secondary" label="Revoke" accessibilityLabel={`Revoke ${link.kind} link`} disabled={!!busy} onPress={() => setRevoking(link)} />
                </View>
              ) : null}
            </View>
          );
        })
      )}
      <ConfirmDialog
        visible={!!revoking}
        title="Revoke this link?"
        message="Anyone who has it can no longer open the album. Photos guests added stay."
        confirmLabel="Revoke"
        destructive
        busy={!!busy}
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(undefined)}
      />
    </View>
  );
}

const styles = StyleSheet.create({
  inactive: { backgroundColor: colors.background },
  ended: { color: colors.danger },
  url: { fontSize: 14, color: colors.text, backgroundColor: colors.background, borderRadius: radius.sm, padding: space.sm, fontFamily: 'monospace' },
  actions: { flexDirection: 'row', gap: space.sm, alignItems: 'center' },
});
