package io.flagramp.operator;

/** Recording status failed (most often a 409: the object changed since it was read). Retried. */
public final class StatusWriteFailed extends ReconcileFault {

  public StatusWriteFailed(Throwable cause) {
    super(httpCode(cause) == 409 ? "StatusConflict" : "StatusWriteFailed",
        "recording status failed: " + describe(cause), cause);
  }
}
