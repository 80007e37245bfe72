import { Controller, Get } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { InvoiceRecord } from './invoice.entity';

@Controller('invoices')
export class FinancesController {
  constructor(private readonly db: TransactionHost<TransactionalAdapterTypeOrm>) {}

  @Get()
  list(): Promise<InvoiceRecord[]> {
    return this.db.tx.getRepository(InvoiceRecord).find({ order: { issuedAt: 'DESC' }, take: 100 });
  }
}
