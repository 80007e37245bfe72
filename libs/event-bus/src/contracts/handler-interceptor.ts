import type { EventContext } from './event-context';

/** The handler an interceptor is running, as it can read it. */
export interface InterceptedHandler {
  /** The handler's id (`@OnEventAsync(E, { id })`, or the one derived from its class and method). */
  readonly id: string;
  /** `ClassName.methodName`. */
  readonly location: string;
  readonly mode: EventContext['mode'];
}

/**
 * Wraps every handler call, sync, async and broadcast, in workers, in `publish` and in the testing kit alike: time
 * it, log it, trace it, or rethrow its error as another. `next()` runs the next interceptor, then the handler, and
 * resolves with the handler's result; an interceptor must call it once (not calling it skips the handler, and the
 * job then completes). Runs inside the handler's event context, so what it publishes continues the event's chain.
 *
 * ```ts
 * @Injectable()
 * export class TimingInterceptor implements HandlerInterceptor {
 *   async intercept(event: object, ctx: EventContext, handler: InterceptedHandler, next: () => Promise<unknown>) {
 *     const started = performance.now();
 *     try {
 *       return await next();
 *     } finally {
 *       console.log(`${handler.id} took ${performance.now() - started} ms (attempt ${ctx.attempt})`);
 *     }
 *   }
 * }
 * ```
 */
export interface HandlerInterceptor {
  intercept(
    event: object,
    context: EventContext,
    handler: InterceptedHandler,
    next: () => Promise<unknown>,
  ): Promise<unknown>;
}
