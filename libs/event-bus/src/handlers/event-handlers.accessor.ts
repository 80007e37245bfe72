import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EVENT_HANDLER_METADATA, HandlerSubscription } from './handler-metadata';

/** Reads what the handler decorators wrote. */
@Injectable()
export class EventHandlersAccessor {
  constructor(private readonly reflector: Reflector) {}

  getSubscriptions(method: object): readonly HandlerSubscription[] {
    const target = method as () => unknown;
    return this.reflector.get<HandlerSubscription[] | undefined>(EVENT_HANDLER_METADATA, target) ?? [];
  }
}
