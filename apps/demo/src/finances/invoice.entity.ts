import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'invoices' })
export class InvoiceRecord {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'order_id', unique: true })
  orderId!: string;

  @Column('text', { name: 'customer_id' })
  customerId!: string;

  @Column('bigint', { name: 'amount_cents' })
  amountCents!: string;

  @Column('text')
  status!: 'issued' | 'void';

  @Column('timestamptz', { name: 'emailed_at', nullable: true })
  emailedAt!: Date | null;

  @CreateDateColumn({ name: 'issued_at', type: 'timestamptz' })
  issuedAt!: Date;
}
