package io.flagramp.core;

/**
 * Whom an approval is taken from. By default the approver is the field manager that set
 * {@link Annotations#APPROVE}, a name the client chooses: it shows which tool was used, and anyone can
 * claim any name. With {@code verified}, the approver is {@link Annotations#APPROVED_BY}, which the
 * chart's approval policy, enforced by the API server, makes the authenticated user with every new
 * approve value; an approval without it is refused. With {@code lastEditorExcluded} as well, the user in
 * {@link Annotations#LAST_EDITED_BY} (who last changed the spec, as the same policy records) may not
 * approve, and neither may anyone while that is not recorded.
 *
 * <p>The operator cannot tell a real name from a forged one by itself: {@code verified} is set only
 * where the policy is installed (the chart sets both together).
 */
public record Approvers(boolean verified, boolean lastEditorExcluded) {

  /** The field manager: who does not matter, only that someone approved. */
  public static final Approvers FIELD_MANAGER = new Approvers(false, false);

  public Approvers {
    if (lastEditorExcluded && !verified) {
      throw new IllegalArgumentException("the last editor can be told from the approver only when both are"
          + " verified users");
    }
  }
}
