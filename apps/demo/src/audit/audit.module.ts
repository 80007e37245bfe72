import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditHandlers } from './audit.handlers';

/** Audit: subscribes to every event of orders and finances. Imports only their event classes. */
@Module({ controllers: [AuditController], providers: [AuditHandlers] })
export class AuditModule {}
