package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.ReceiverStatus;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The delivery record in status: what a transition owes, what an outcome settles, and nothing unbounded. */
class LedgerTest {

  private static final Instant T = Instant.parse("2026-11-26T02:00:00Z");
  private static final WebhookReceiver CHAT = Rig.receiver("chat", "chat-hook", NotifyFormat.Slack);
  private static final WebhookReceiver PAGER = Rig.receiver("pager", "pager-hook", NotifyFormat.Generic,
      NotifyEvent.rolledBack);
  private static final List<WebhookReceiver> BOTH = List.of(CHAT, PAGER);

  private static Optional<Transitions.Transition> transition(NotifyEvent event) {
    return Optional.of(new Transitions.Transition(Optional.ofNullable(event)));
  }

  private static Outcome outcome(String receiver, int sequence, Outcome.Result result) {
    return new Outcome(receiver, sequence, result, result == Outcome.Result.Sent ? null : "http_error",
        result == Outcome.Result.Sent ? "sent to chat.example (attempt 1)" : "chat.example answered HTTP 500",
        T.plusSeconds(3));
  }

  @Test
  void aNotifiedTransitionOwesItsMessageToTheReceiversWhoseFilterTakesIt() {
    NotificationStatus n = Ledger.next(null, transition(NotifyEvent.stepEntered), BOTH, List.of(), T);

    assertThat(n.getSequence()).isEqualTo(1);
    assertThat(n.getEvent()).isEqualTo(NotifyEvent.stepEntered);
    assertThat(n.getTransitionAt()).isEqualTo("2026-11-26T02:00:00Z");
    assertThat(n.getPending()).containsExactly("chat");
    assertThat(n.getReceivers()).isNull();
  }

  @Test
  void aTransitionNoReceiverHearsOfIsNotRecordedAtAll() {
    assertThat(Ledger.next(null, transition(null), BOTH, List.of(), T)).isNull();
    assertThat(Ledger.next(null, Optional.empty(), BOTH, List.of(), T)).isNull();
    assertThat(Ledger.next(null, transition(NotifyEvent.rolledBack), List.of(CHAT), List.of(), T).getPending())
        .containsExactly("chat");
  }

  @Test
  void anOutcomeSettlesItsReceiverAndIsCounted() {
    NotificationStatus owed = Ledger.next(null, transition(NotifyEvent.rolledBack), BOTH, List.of(), T);

    NotificationStatus n = Ledger.next(owed, Optional.empty(), BOTH,
        List.of(outcome("chat", 1, Outcome.Result.Sent), outcome("pager", 1, Outcome.Result.Failed)), T);

    assertThat(n.getPending()).isNull();
    assertThat(n.getSequence()).isEqualTo(1);
    assertThat(n.getReceivers()).extracting(ReceiverStatus::getName).containsExactly("chat", "pager");
    ReceiverStatus chat = n.getReceivers().get(0);
    assertThat(chat.getSent()).isEqualTo(1);
    assertThat(chat.getFailed()).isNull();
    assertThat(chat.getLastSentAt()).isEqualTo("2026-11-26T02:00:03Z");
    ReceiverStatus pager = n.getReceivers().get(1);
    assertThat(pager.getFailed()).isEqualTo(1);
    assertThat(pager.getLastFailure()).isEqualTo("chat.example answered HTTP 500");
    assertThat(pager.getLastFailureAt()).isEqualTo("2026-11-26T02:00:03Z");
  }

  @Test
  void aLateOutcomeOfAnEarlierTransitionIsCountedButSettlesNothingOwedNow() {
    NotificationStatus first = Ledger.next(null, transition(NotifyEvent.stepEntered), BOTH, List.of(), T);
    NotificationStatus second = Ledger.next(first, transition(NotifyEvent.stepEntered), BOTH, List.of(), T);

    NotificationStatus n = Ledger.next(second, Optional.empty(), BOTH, List.of(outcome("chat", 1, Outcome.Result.Sent)),
        T);

    assertThat(n.getSequence()).isEqualTo(2);
    assertThat(n.getPending()).containsExactly("chat");
    assertThat(n.getReceivers()).singleElement().extracting(ReceiverStatus::getSent).isEqualTo(1);
  }

  @Test
  void aTransitionNobodyHearsOfSupersedesWhatWasStillOwed() {
    NotificationStatus owed = Ledger.next(null, transition(NotifyEvent.stepEntered), BOTH, List.of(), T);

    NotificationStatus n = Ledger.next(owed, transition(null), BOTH, List.of(), T);

    assertThat(n.getPending()).isNull();
    assertThat(n.getSequence()).as("the last notified transition stays named").isEqualTo(1);
  }

  @Test
  void aReceiverRemovedFromTheSpecIsNoLongerOwedNorShown() {
    NotificationStatus owed = Ledger.next(null, transition(NotifyEvent.rolledBack), BOTH, List.of(), T);
    NotificationStatus counted = Ledger.next(owed, Optional.empty(), BOTH,
        List.of(outcome("pager", 1, Outcome.Result.Sent)), T);

    NotificationStatus n = Ledger.next(counted, Optional.empty(), List.of(CHAT),
        List.of(outcome("pager", 1, Outcome.Result.Failed)), T);

    assertThat(n.getPending()).containsExactly("chat");
    assertThat(n.getReceivers()).isNull();
  }

  @Test
  void theObservedRecordIsNotChanged() {
    NotificationStatus owed = Ledger.next(null, transition(NotifyEvent.stepEntered), BOTH, List.of(), T);
    NotificationStatus copy = owed.copy();

    Ledger.next(owed, transition(NotifyEvent.stepEntered), BOTH, List.of(outcome("chat", 1, Outcome.Result.Sent)), T);

    assertThat(owed).isEqualTo(copy);
  }
}
