package io.flagramp.api.v1alpha1;

/**
 * The transitions a webhook receiver can hear of ({@code spec.notify[].events}). A transition is a
 * status write in which the phase or the reason changed, or a step was entered at a new weight; it
 * is one of these events when its new state is:
 *
 * <ul>
 *   <li>{@link #stepEntered}: reason StepEntered (a step's weight was written);
 *   <li>{@link #awaitingApproval}: phase AwaitingApproval;
 *   <li>{@link #held}: phase Held, for any reason;
 *   <li>{@link #rolledBack}: phase RolledBack (abort, breach, provider failure);
 *   <li>{@link #succeeded}: phase Succeeded;
 *   <li>{@link #invalid}: phase Invalid.
 * </ul>
 *
 * <p>Other transitions (Pending, Paused, Progressing for another reason, Baking) send nothing. The
 * constants are written as they appear in the API.
 */
public enum NotifyEvent {
  stepEntered,
  awaitingApproval,
  held,
  rolledBack,
  succeeded,
  invalid
}
