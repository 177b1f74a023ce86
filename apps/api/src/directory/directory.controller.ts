import { Body, Controller, Get, Patch, Put, Query } from '@nestjs/common';
import {
  DirectoryEntryList,
  DirectoryEntryQuery,
  DirectorySyncResult,
  PatchDirectoryRequest,
  Permissions,
  ReplaceDirectoryRequest,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint, ServerAuth } from '../common/endpoint';
import { CurrentServer, ServerPrincipal } from '../common/principal';
import { DirectoryService } from './directory.service';

@Controller()
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Put('directory')
  @ServerAuth()
  @Endpoint({
    summary: "Replace the calling server's whole directory",
    description:
      'Idempotent. Members, groups and libraries missing from the push are marked removed (never deleted); ones that re-appear are restored with their original firstSeenAt.',
    body: ReplaceDirectoryRequest,
    response: DirectorySyncResult,
    errors: ['directory_unknown_reference', 'directory_duplicate', 'payload_too_large'],
    bodyLimit: 'directory',
  })
  replace(@CurrentServer() server: ServerPrincipal, @Body() body: ReplaceDirectoryRequest): Promise<DirectorySyncResult> {
    return this.directory.replace(server.serverId, body);
  }

  @Patch('directory')
  @ServerAuth()
  @Endpoint({
    summary: 'Upsert some directory entries and mark others removed',
    description: 'Entries not mentioned are left as they are.',
    body: PatchDirectoryRequest,
    response: DirectorySyncResult,
    errors: ['directory_unknown_reference', 'directory_duplicate'],
  })
  patch(@CurrentServer() server: ServerPrincipal, @Body() body: PatchDirectoryRequest): Promise<DirectorySyncResult> {
    return this.directory.patch(server.serverId, body);
  }

  @Get('groups')
  @AdminAuth(Permissions.membersRead)
  @Endpoint({ summary: 'List groups (with member counts)', query: DirectoryEntryQuery, response: DirectoryEntryList })
  groups(@Query() q: DirectoryEntryQuery): Promise<DirectoryEntryList> {
    return this.directory.listEntries('groups', q.serverId);
  }

  @Get('libraries')
  @AdminAuth(Permissions.membersRead)
  @Endpoint({ summary: 'List libraries', query: DirectoryEntryQuery, response: DirectoryEntryList })
  libraries(@Query() q: DirectoryEntryQuery): Promise<DirectoryEntryList> {
    return this.directory.listEntries('libraries', q.serverId);
  }
}
