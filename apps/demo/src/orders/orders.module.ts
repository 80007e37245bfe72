import { Module } from '@nestjs/common';
import { CreditLimitPolicy } from './credit-limit.policy';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Orders: places, pays and cancels orders; publishes OrderPlaced / OrderPaid / OrderCancelled. */
@Module({ controllers: [OrdersController], providers: [OrdersService, CreditLimitPolicy] })
export class OrdersModule {}
