import { Module } from '@nestjs/common';
import { MeController } from './me.controller';
import { SettingsController } from './settings.controller';

@Module({ controllers: [MeController, SettingsController] })
export class MeModule {}
