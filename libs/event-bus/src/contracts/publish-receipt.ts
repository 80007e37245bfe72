/** What a publish did, for logs and for callers who need the ids. */
export interface PublishReceipt {
  readonly eventId: string;
  readonly eventName: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** One per interested async handler (those whose filter passed), in registry order. */
  readonly jobs: readonly { readonly handlerId: string; readonly jobId: string }[];
}
