package io.flagramp.notify;

import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.ReceiverStatus;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.core.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The next {@code status.notifications}, as a pure function of the one observed, the transition the
 * status write records (if it is one), the receivers in the spec and the outcomes settled since.
 *
 * <p>A notified transition is recorded in the same status write as the transition itself, with the
 * receivers it is owed to ({@code pending}), before anything is sent: so a message is never about a
 * state that was not written, and an operator that restarts before the message went out finds it
 * still owed. An outcome takes its receiver off {@code pending} (if it is about the latest transition)
 * and is counted. Any other transition supersedes what was owed: only the latest state is worth telling.
 */
public final class Ledger {

  private Ledger() {}

  /** Null when there is nothing to record (no receiver has ever been owed a message). */
  public static NotificationStatus next(NotificationStatus observed, Optional<Transitions.Transition> transition,
      List<WebhookReceiver> receivers, List<Outcome> outcomes, Instant now) {
    NotificationStatus next = observed == null ? new NotificationStatus() : observed.copy();
    if (transition.isPresent()) {
      Optional<NotifyEvent> event = transition.get().event();
      List<String> owed = event.map(e -> receivers.stream().filter(r -> r.wants(e)).map(WebhookReceiver::getName)
          .toList()).orElse(List.of());
      if (!owed.isEmpty()) {
        next.setSequence(next.getSequence() == null ? 1 : saturated(next.getSequence()));
        next.setEvent(event.get());
        next.setTransitionAt(Timestamps.format(now));
        next.setPending(new ArrayList<>(owed));
      } else {
        next.setPending(null);
      }
    }
    Set<String> named = receivers.stream().map(WebhookReceiver::getName).collect(Collectors.toSet());
    List<ReceiverStatus> counted = next.getReceivers() == null ? new ArrayList<>()
        : new ArrayList<>(next.getReceivers().stream().filter(r -> named.contains(r.getName())).toList());
    List<String> pending = next.getPending() == null ? new ArrayList<>()
        : new ArrayList<>(next.getPending().stream().filter(named::contains).toList());
    for (Outcome o : outcomes) {
      if (!named.contains(o.receiver())) {
        continue;  // no longer in the spec: nothing to show it under
      }
      ReceiverStatus r = counted.stream().filter(c -> c.getName().equals(o.receiver())).findFirst().orElseGet(() -> {
        ReceiverStatus added = new ReceiverStatus(o.receiver());
        counted.add(added);
        return added;
      });
      if (o.delivered()) {
        r.setSent(r.getSent() == null ? 1 : saturated(r.getSent()));
        r.setLastSentAt(Timestamps.format(o.at()));
      } else {
        r.setFailed(r.getFailed() == null ? 1 : saturated(r.getFailed()));
        r.setLastFailure(o.message());
        r.setLastFailureAt(Timestamps.format(o.at()));
      }
      if (next.getSequence() != null && o.sequence() == next.getSequence()) {
        pending.remove(o.receiver());
      }
    }
    // In the order of the spec, so the same facts always make the same status.
    counted.sort(java.util.Comparator.comparingInt(r -> indexOf(receivers, r.getName())));
    next.setReceivers(counted.isEmpty() ? null : counted);
    next.setPending(pending.isEmpty() ? null : pending);
    return next.getSequence() == null && next.getReceivers() == null ? null : next;
  }

  private static int indexOf(List<WebhookReceiver> receivers, String name) {
    for (int i = 0; i < receivers.size(); i++) {
      if (receivers.get(i).getName().equals(name)) {
        return i;
      }
    }
    return receivers.size();
  }

  private static int saturated(int count) {
    return count == Integer.MAX_VALUE ? count : count + 1;
  }
}
