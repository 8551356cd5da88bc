import { z } from 'zod';
import { ID_PATTERN } from '../albums/ids.js';

const id = (what: string) => z.string().regex(ID_PATTERN, `must be ${what}`);
const time = (what: string) => z.string().describe(`${what} (ISO 8601)`);

export const familyParams = z.object({ familyId: id('a family id') });
export const inviteParams = z.object({ inviteId: id('an invite id') });
export const memberParams = z.object({ userId: id('a user id') });

export const inviteBody = z.object({
  email: z.email().max(254).describe('Whom to invite (case-insensitive); they accept signed in with this address'),
});

export const familyMember = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().optional(),
    role: z.enum(['organiser', 'member']),
    joinedAt: time('When they joined; the organiser: when the family was founded'),
  })
  .meta({ id: 'FamilyMember' });

export const familyInvite = z
  .object({
    id: z.string().describe('Withdraw it with DELETE /v1/family/invites/{id}'),
    email: z.string().describe('The invited address, in lower case'),
    invitedAt: time('When it was sent'),
    expiresAt: time('14 days after it was sent; an expired invite cannot be accepted and takes no seat'),
  })
  .meta({ id: 'FamilyInvite', description: 'A pending invite: it takes a seat until it is accepted, declined, withdrawn or expired' });

export const family = z
  .object({
    id: z.string(),
    organiserId: z.string(),
    members: z.array(familyMember).describe('The organiser first, then by joining time'),
    invites: z.array(familyInvite).describe('Pending invites (visible to every member), oldest first'),
  })
  .meta({ id: 'Family', description: 'A family group: at most 6 members, the organiser included; pending invites count' });

export const familyInvitation = z
  .object({
    familyId: z.string().describe('Accept or decline with POST /v1/family/invitations/{familyId}/accept or /decline'),
    organiserId: z.string(),
    organiserEmail: z.string(),
    organiserName: z.string().optional(),
    invitedAt: time('When it was sent'),
    expiresAt: time('When it expires'),
  })
  .meta({ id: 'FamilyInvitation', description: 'An invitation addressed to the signed-in user’s email' });

export const familyView = z
  .object({
    family: family.nullable().describe('null: the user belongs to no family'),
    invitations: z.array(familyInvitation).describe('Pending invitations addressed to my email'),
  })
  .meta({ id: 'FamilyView' });

export type FamilyMemberJson = z.infer<typeof familyMember>;
export type FamilyInviteJson = z.infer<typeof familyInvite>;
export type FamilyJson = z.infer<typeof family>;
export type FamilyViewJson = z.infer<typeof familyView>;
