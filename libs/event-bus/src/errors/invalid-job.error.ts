import { UnrecoverableEventError } from './unrecoverable-event.error';

/**
 * A job reached a worker that cannot be turned back into an event: its data is not an event envelope, its event
 * name is unknown to this process, its payload does not decode, or it names a handler this queue does not serve.
 * Retrying cannot help, so the job is failed at once with this reason and the worker moves on.
 */
export class InvalidJobError extends UnrecoverableEventError {
  override readonly name: string = 'InvalidJobError';

  constructor(
    readonly jobId: string | undefined,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Job ${jobId ?? '(no id)'} cannot be handled: ${reason}`, options);
  }
}
