package io.flagramp.operator;

/** Writing the flag's ConfigMap failed: transient, retried with fresh state. */
public final class FlagWriteFailed extends ReconcileFault {

  public FlagWriteFailed(String configMap, Throwable cause) {
    super(reasonFor(cause), "writing ConfigMap " + configMap + " failed: " + describe(cause), cause);
  }

  private static String reasonFor(Throwable cause) {
    return switch (httpCode(cause)) {
      case 409 -> "WriteConflict";
      case 404 -> "ConfigMapNotFound";
      case 403 -> "Forbidden";
      case 422 -> "ConfigMapRejected";
      default -> "ConfigMapWriteFailed";
    };
  }
}
