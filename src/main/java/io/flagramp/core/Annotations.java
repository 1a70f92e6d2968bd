package io.flagramp.core;

/** The on-call annotations: each is acted on once per distinct value. */
public final class Annotations {

  /** Revert now; the value is the reason. */
  public static final String ABORT = "flagramp.io/abort";
  /** Start a new attempt from the first step after a terminal phase; any new value. */
  public static final String RETRY = "flagramp.io/retry";
  /** Approve the step that awaits approval; any new value. */
  public static final String APPROVE = "flagramp.io/approve";
  /** End the current step's soak now (its analysis must still pass); any new value. */
  public static final String PROMOTE = "flagramp.io/promote";
  /**
   * Who set {@link #APPROVE}: the chart's approval policy (a ValidatingAdmissionPolicy) admits a new
   * approve value only with this equal to the user the API server authenticated, so it cannot be forged.
   */
  public static final String APPROVED_BY = "flagramp.io/approved-by";
  /**
   * Who last changed the spec ({@code spec.suspend} aside): with the last-editor rule, the same policy
   * admits a spec change only with this equal to the user who makes it.
   */
  public static final String LAST_EDITED_BY = "flagramp.io/last-edited-by";

  private Annotations() {}
}
