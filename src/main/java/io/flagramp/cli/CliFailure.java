package io.flagramp.cli;

/** A command's end in one line for a person, with its exit code; never a stack trace. */
final class CliFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliFailure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static CliFailure error(String message) {
    return new CliFailure(ExitCodes.ERROR, message);
  }

  int exitCode() {
    return exitCode;
  }
}
