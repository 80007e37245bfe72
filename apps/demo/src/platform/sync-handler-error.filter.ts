import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { SyncHandlerError } from 'nestjs-durable-bus';

/**
 * A sync handler that refuses an event (the credit limit) throws an HttpException; the bus wraps it in a
 * SyncHandlerError naming event and handler. Answer with the handler's own status and message.
 */
@Catch(SyncHandlerError)
export class SyncHandlerErrorFilter extends BaseExceptionFilter implements ExceptionFilter {
  override catch(error: SyncHandlerError, host: ArgumentsHost): void {
    super.catch(error.cause instanceof HttpException ? error.cause : error, host);
  }
}
