export * from './options';
export * from './migrate';
export * from './entities/notice.entity';
export * from './entities/notice-event.entity';
export * from './entities/outbound-email.entity';
