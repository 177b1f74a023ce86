import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import {
  CreateServerRequest,
  Permissions,
  Server,
  ServerIdParams,
  ServerList,
  ServerSelf,
  ServerWithApiKey,
  UpdateServerRequest,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint, ServerAuth } from '../common/endpoint';
import { CurrentServer, ServerPrincipal } from '../common/principal';
import { ServersService } from './servers.service';

@Controller('servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Post()
  @AdminAuth(Permissions.serversWrite, { reauth: true })
  @Endpoint({ summary: 'Register a media server', description: 'Returns its API key once.', body: CreateServerRequest, response: ServerWithApiKey, status: 201 })
  create(@Body() body: CreateServerRequest): Promise<ServerWithApiKey> {
    return this.servers.create(body);
  }

  @Get()
  @AdminAuth(Permissions.serversRead)
  @Endpoint({ summary: 'List media servers', response: ServerList })
  async list(): Promise<ServerList> {
    return { items: await this.servers.list() };
  }

  @Get('self')
  @ServerAuth()
  @Endpoint({ summary: 'The media server that owns the calling API key', response: ServerSelf })
  async self(@CurrentServer() caller: ServerPrincipal): Promise<ServerSelf> {
    const s = await this.servers.get(caller.serverId);
    return { id: s.id, name: s.name, kind: s.kind };
  }

  @Get(':serverId')
  @AdminAuth(Permissions.serversRead)
  @Endpoint({ summary: 'Get a media server', params: ServerIdParams, response: Server, errors: ['server_not_found'] })
  get(@Param() p: ServerIdParams): Promise<Server> {
    return this.servers.get(p.serverId);
  }

  @Patch(':serverId')
  @AdminAuth(Permissions.serversWrite, { reauth: true })
  @Endpoint({ summary: 'Change a media server', params: ServerIdParams, body: UpdateServerRequest, response: Server, errors: ['server_not_found'] })
  update(@Param() p: ServerIdParams, @Body() body: UpdateServerRequest): Promise<Server> {
    return this.servers.update(p.serverId, body);
  }

  @Post(':serverId/api-key')
  @AdminAuth(Permissions.serversWrite, { reauth: true })
  @Endpoint({ summary: "Rotate a media server's API key", description: 'The old key stops working at once; the new one is returned once.', params: ServerIdParams, response: ServerWithApiKey, errors: ['server_not_found'] })
  rotate(@Param() p: ServerIdParams): Promise<ServerWithApiKey> {
    return this.servers.rotateApiKey(p.serverId);
  }

  @Delete(':serverId/api-key')
  @AdminAuth(Permissions.serversWrite, { reauth: true })
  @Endpoint({ summary: "Revoke a media server's API key", params: ServerIdParams, status: 204, errors: ['server_not_found'] })
  async revoke(@Param() p: ServerIdParams): Promise<void> {
    await this.servers.revokeApiKey(p.serverId);
  }
}
