import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type OrderStatus = 'placed' | 'paid' | 'cancelled';

@Entity({ name: 'orders' })
export class OrderRecord {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'customer_id' })
  customerId!: string;

  @Column('bigint', { name: 'total_cents' })
  totalCents!: string;

  @Column('jsonb')
  lines!: { sku: string; quantity: number; unitPriceCents: string }[];

  @Column('text')
  status!: OrderStatus;

  @CreateDateColumn({ name: 'placed_at', type: 'timestamptz' })
  placedAt!: Date;
}
