import type { EventContext } from '../contracts/event-context';
import type { HandlerInterceptor, InterceptedHandler } from '../contracts/handler-interceptor';

/** Runs `call` through `interceptors`, the first one outermost. */
export function intercepted(
  interceptors: readonly HandlerInterceptor[],
  event: object,
  context: EventContext,
  handler: InterceptedHandler,
  call: () => unknown,
): Promise<unknown> {
  const step = (index: number): Promise<unknown> => {
    if (index === interceptors.length) return Promise.resolve().then(call);
    return interceptors[index]!.intercept(event, context, handler, () => step(index + 1));
  };
  return step(0);
}
