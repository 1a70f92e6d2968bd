package io.flagramp.cli;

/**
 * What {@code kubectl flagramp} exits with. Every code has one meaning across the commands, so a
 * script can tell "the rollout failed" from "the cluster could not be asked". Listed in {@code --help}
 * (FlagrampCli's exitCodeList) and in the README.
 */
public final class ExitCodes {

  /** Done; for wait: Succeeded; for lint: every ScalingChange in the file is accepted. */
  public static final int OK = 0;
  /** The cluster could not be asked or refused: unreachable, unauthorized, forbidden, not found, a bad file. */
  public static final int ERROR = 1;
  /** The command line is wrong (picocli's usage error). */
  public static final int USAGE = 2;
  /** wait: the change ended RolledBack. */
  public static final int ROLLED_BACK = 3;
  /** wait: the change is Held. */
  public static final int HELD = 4;
  /** wait: the change is Invalid. */
  public static final int INVALID = 5;
  /** wait: --timeout ran out first. */
  public static final int TIMEOUT = 6;
  /** lint: the API server or the planner rejects a ScalingChange in the file. */
  public static final int LINT_REJECTED = 7;
  /** approve, promote, retry, abort: the change is in no phase where the operator would act on it; nothing set. */
  public static final int NOT_APPLICABLE = 8;

  private ExitCodes() {}
}
