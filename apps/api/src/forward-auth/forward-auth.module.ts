import { Module } from '@nestjs/common';
import { RawRoutes } from '../common/endpoint';
import { FactorsModule } from '../factors/factors.module';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { PortalModule } from '../portal/portal.module';
import { FORWARD_AUTH_ROUTE, ForwardAuthRoute } from './forward-auth.route';
import { ForwardAuthService } from './forward-auth.service';
import { MediaServerPasswords } from './media-server-passwords';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

/** Forward-auth for reverse proxies, and the sign-in page members reach through it. */
@RawRoutes([FORWARD_AUTH_ROUTE])
@Module({
  imports: [PortalModule, FactorsModule],
  controllers: [SignInController],
  providers: [ForwardAuthService, ForwardAuthRoute, SignInService, MediaServerPasswords, MemberFactsRepository],
})
export class ForwardAuthModule {}
