import { Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { StatsFoldService } from './stats-fold.service';
import { StatsService } from './stats.service';

@Module({ controllers: [StatsController], providers: [StatsService, StatsFoldService] })
export class StatsModule {}
