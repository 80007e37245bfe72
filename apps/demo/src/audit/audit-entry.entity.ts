import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'audit_log' })
export class AuditEntry {
  @PrimaryGeneratedColumn('increment')
  id!: string;

  @Column('text', { name: 'event_id', unique: true })
  eventId!: string;

  @Column('text', { name: 'event_name' })
  eventName!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('text', { name: 'causation_id', nullable: true })
  causationId!: string | null;

  @Column('text', { name: 'subject' })
  subject!: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
