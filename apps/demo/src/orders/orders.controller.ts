import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { OrderRecord } from './order.entity';
import { OrdersService, PlaceOrderInput } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** `{ "customerId": "c-1", "lines": [{ "sku": "book", "quantity": 2, "unitPriceCents": 1250 }] }` */
  @Post()
  place(@Body() body: PlaceOrderInput): Promise<OrderRecord> {
    const valid =
      typeof body?.customerId === 'string' &&
      Array.isArray(body.lines) &&
      body.lines.length > 0 &&
      body.lines.every(
        (line) =>
          typeof line.sku === 'string' &&
          Number.isInteger(line.quantity) &&
          line.quantity > 0 &&
          Number.isInteger(line.unitPriceCents) &&
          line.unitPriceCents >= 0,
      );
    if (!valid) {
      throw new BadRequestException(
        'expected { customerId: string, lines: [{ sku: string, quantity: integer > 0, unitPriceCents: integer >= 0 }] }',
      );
    }
    return this.orders.place(body);
  }

  @Post(':id/pay')
  @HttpCode(200)
  pay(@Param('id') id: string): Promise<OrderRecord> {
    return this.orders.pay(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string, @Body() body: { reason?: string }): Promise<OrderRecord> {
    return this.orders.cancel(id, body?.reason ?? 'cancelled by the customer');
  }

  @Get()
  list(): Promise<OrderRecord[]> {
    return this.orders.list();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<OrderRecord> {
    return this.orders.get(id);
  }
}
