import { Controller, Get } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { AuditEntry } from './audit-entry.entity';

@Controller('audit')
export class AuditController {
  constructor(private readonly db: TransactionHost<TransactionalAdapterTypeOrm>) {}

  @Get()
  list(): Promise<AuditEntry[]> {
    return this.db.tx.getRepository(AuditEntry).find({ order: { id: 'DESC' }, take: 200 });
  }
}
