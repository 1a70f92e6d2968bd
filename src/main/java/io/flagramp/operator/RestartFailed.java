package io.flagramp.operator;

/** Restarting a restart target failed: transient, retried with fresh state (status.restart records it). */
public final class RestartFailed extends ReconcileFault {

  public RestartFailed(String target, Throwable cause) {
    super(reasonFor(cause), "restarting " + target + " failed: " + describe(cause), cause);
  }

  private static String reasonFor(Throwable cause) {
    return switch (httpCode(cause)) {
      case 409 -> "RestartConflict";
      case 404 -> "RestartTargetNotFound";
      case 403 -> "Forbidden";
      default -> "RestartFailed";
    };
  }
}
