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

  private Annotations() {}
}
