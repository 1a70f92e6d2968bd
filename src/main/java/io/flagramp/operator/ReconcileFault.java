package io.flagramp.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A transient fault while acting on a plan: it leaves a Reconciling condition with its reason and
 * a Warning Event, and the reconcile is retried with backoff from fresh state. Nothing recorded in
 * status is lost, since a plan's status is written only after its ConfigMap write succeeded.
 */
public abstract sealed class ReconcileFault extends RuntimeException permits FlagWriteFailed, StatusWriteFailed, RestartFailed {

  private final String reason;

  protected ReconcileFault(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  /**
   * The object changed since it was read (a 409): not a failure, and nothing to wait for. The reconcile
   * is made again at once from a fresh read, the decision made again.
   */
  public boolean conflict() {
    return httpCode(getCause()) == 409;
  }

  static int httpCode(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() > 0) {
        return k.getCode();
      }
    }
    return 0;
  }

  static String describe(Throwable t) {
    int code = httpCode(t);
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
      message = k.getStatus().getMessage();
    }
    return (code > 0 ? "HTTP " + code + ": " : "") + message;
  }
}
