import { Module } from '@nestjs/common';
import { AdminDevicesController, DeviceAdminController, MemberDevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

/** Remembered and paired devices, app passwords, sign-out everywhere, and the servers' revocation feed. */
@Module({
  controllers: [MemberDevicesController, AdminDevicesController, DeviceAdminController],
  providers: [DevicesService],
  exports: [DevicesService],
})
export class DevicesModule {}
