import { z } from 'zod';
import { Id, Timestamp, text } from './common';

/** An id that the media server uses for one of its users, groups or libraries. */
export const ExternalId = text(200).meta({ description: "The media server's own id." });

export const DirectoryGroup = z.strictObject({ externalId: ExternalId, name: text(200) }).meta({ id: 'DirectoryGroup' });
export const DirectoryLibrary = z.strictObject({ externalId: ExternalId, name: text(200) }).meta({ id: 'DirectoryLibrary' });
export const DirectoryMember = z
  .strictObject({
    externalId: ExternalId,
    username: text(200),
    displayName: text(200).nullish(),
    email: z.email().max(320).nullish(),
    groups: z.array(ExternalId).max(1000).default([]).meta({ description: 'External ids of the groups the member belongs to.' }),
  })
  .meta({ id: 'DirectoryMember' });
export type DirectoryGroup = z.infer<typeof DirectoryGroup>;
export type DirectoryLibrary = z.infer<typeof DirectoryLibrary>;
export type DirectoryMember = z.infer<typeof DirectoryMember>;
export type DirectoryMemberInput = z.input<typeof DirectoryMember>;

export const MAX_DIRECTORY_MEMBERS = 500_000;

/** `PUT /directory`: the server's whole directory. Whatever is missing is marked removed. */
export const ReplaceDirectoryRequest = z
  .strictObject({
    members: z.array(DirectoryMember).max(MAX_DIRECTORY_MEMBERS),
    groups: z.array(DirectoryGroup).max(100_000).default([]),
    libraries: z.array(DirectoryLibrary).max(100_000).default([]),
  })
  .meta({
    id: 'ReplaceDirectoryRequest',
    examples: [
      {
        groups: [{ externalId: 'kids', name: 'Kids' }],
        libraries: [{ externalId: 'home-videos', name: 'Home videos' }],
        members: [
          { externalId: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.com', groups: ['kids'] },
          { externalId: '9bc1d0e2f3a4b5c6d7e8f9a0b1c2d3e4', username: 'bob' },
        ],
      },
    ],
  });
export type ReplaceDirectoryRequest = z.infer<typeof ReplaceDirectoryRequest>;
export type ReplaceDirectoryInput = z.input<typeof ReplaceDirectoryRequest>;

/** `PATCH /directory`: upsert some entries and mark others removed; the rest stays as it is. */
export const PatchDirectoryRequest = z
  .strictObject({
    members: z.array(DirectoryMember).max(10_000).default([]),
    groups: z.array(DirectoryGroup).max(10_000).default([]),
    libraries: z.array(DirectoryLibrary).max(10_000).default([]),
    remove: z
      .strictObject({
        members: z.array(ExternalId).max(10_000).default([]),
        groups: z.array(ExternalId).max(10_000).default([]),
        libraries: z.array(ExternalId).max(10_000).default([]),
      })
      .default({ members: [], groups: [], libraries: [] }),
  })
  .meta({ id: 'PatchDirectoryRequest', examples: [{ members: [{ externalId: '9bc1d0e2f3a4b5c6d7e8f9a0b1c2d3e4', username: 'bob', email: 'bob@example.com' }], remove: { members: ['0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c'] } }] });
export type PatchDirectoryRequest = z.infer<typeof PatchDirectoryRequest>;
export type PatchDirectoryInput = z.input<typeof PatchDirectoryRequest>;

const Counts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  restored: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int(),
});
export type SyncCounts = z.infer<typeof Counts>;

export const DirectorySyncResult = z
  .object({ members: Counts, groups: Counts, libraries: Counts, syncedAt: Timestamp })
  .meta({ id: 'DirectorySyncResult' });
export type DirectorySyncResult = z.infer<typeof DirectorySyncResult>;

export const Member = z
  .object({
    id: Id,
    serverId: Id,
    externalId: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    groups: z.array(z.string()).meta({ description: 'External ids of the groups.' }),
    firstSeenAt: Timestamp,
    removedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof Member>;

export const MemberExternalIdParams = z.strictObject({ externalId: ExternalId });

export const DirectoryEntry = z
  .object({ id: Id, serverId: Id, externalId: z.string(), name: z.string(), memberCount: z.number().int().nullable() })
  .meta({ id: 'DirectoryEntry' });
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;
export const DirectoryEntryList = z.object({ items: z.array(DirectoryEntry) }).meta({ id: 'DirectoryEntryList' });
export type DirectoryEntryList = z.infer<typeof DirectoryEntryList>;
export const DirectoryEntryQuery = z.strictObject({ serverId: Id.optional() });
export type DirectoryEntryQuery = z.infer<typeof DirectoryEntryQuery>;
