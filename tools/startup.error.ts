/**
 * Why the demo, the tests or the benchmarks cannot start, with the fix in the message. Its stack is that one line
 * (whoever prints it, Node or Jest): it is about the machine, not a bug in the code, so a trace would only hide it.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';

  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}
