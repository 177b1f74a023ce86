import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AdminAuthModule } from './admin-auth/admin-auth.module';
import { AdminsModule } from './admins/admins.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './common/auth.guard';
import { AppExceptionFilter } from './common/exception.filter';
import { ValidationInterceptor } from './common/validation.interceptor';
import { CoreModule, CoreOptions } from './core.module';
import { DevicesModule } from './devices/devices.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DirectoryModule } from './directory/directory.module';
import { ForwardAuthModule } from './forward-auth/forward-auth.module';
import { HealthController } from './health/health.controller';
import { NotificationsModule } from './notifications/notifications.module';
import { MembersModule } from './members/members.module';
import { DocsController } from './openapi/docs.controller';
import { OpenApiDocument } from './openapi/openapi-document';
import { PoliciesModule } from './policies/policies.module';
import { PortalModule } from './portal/portal.module';
import { RemindersModule } from './reminders/reminders.module';
import { ServersModule } from './servers/servers.module';
import { SettingsModule } from './settings/settings.module';
import { VERSION } from './version';

@Module({ controllers: [HealthController, DocsController] })
export class OpsModule {}

/** Every module with controllers; the OpenAPI document and the route-coverage test walk this list. */
export const FEATURE_MODULES: Type[] = [OpsModule, AdminAuthModule, ServersModule, DirectoryModule, PortalModule, PoliciesModule, DevicesModule, AuditModule, NotificationsModule, DashboardModule, RemindersModule, AdminsModule, MembersModule, ForwardAuthModule, SettingsModule];

@Module({})
export class AppModule {
  static forRoot(opts: CoreOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(opts, [{ provide: OpenApiDocument, useValue: new OpenApiDocument(FEATURE_MODULES, VERSION) }]), ...FEATURE_MODULES],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: ValidationInterceptor },
        { provide: APP_FILTER, useClass: AppExceptionFilter },
      ],
    };
  }
}
