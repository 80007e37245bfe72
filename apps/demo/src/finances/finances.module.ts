import { Module } from '@nestjs/common';
import { FinancesController } from './finances.controller';
import { InvoicingHandlers } from './invoicing.handlers';

/** Finances: invoices orders from their events; publishes InvoiceIssued / InvoiceVoided. Imports no orders service. */
@Module({ controllers: [FinancesController], providers: [InvoicingHandlers] })
export class FinancesModule {}
