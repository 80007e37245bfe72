import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EVENT_HANDLER_METADATA, HandlerSubscription } from './handler-metadata';

/** Reads what the handler decorators wrote. */
@Injectable()
export class EventHandlersAccessor {
  constructor(private readonly reflector: Reflector) {}

  getSubscriptions(method: Function): readonly HandlerSubscription[] {
    return this.reflector.get<HandlerSubscription[] | undefined>(EVENT_HANDLER_METADATA, method) ?? [];
  }
}
