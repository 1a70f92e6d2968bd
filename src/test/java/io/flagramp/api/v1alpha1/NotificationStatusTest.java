package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.operator.Clients;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The planner builds the next status from a copy of the observed one and writes it only if it differs:
 * status.notifications must be copied deeply, compared, and survive a trip through the API's JSON.
 */
class NotificationStatusTest {

  private static ScalingChangeStatus withNotifications() {
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setPhase(Phase.Progressing);
    NotificationStatus n = new NotificationStatus();
    n.setSequence(3);
    n.setEvent(NotifyEvent.stepEntered);
    n.setTransitionAt("2026-11-26T02:00:00Z");
    n.setPending(new ArrayList<>(List.of("chat")));
    ReceiverStatus r = new ReceiverStatus("chat");
    r.setSent(2);
    r.setFailed(1);
    r.setLastFailure("chat.example answered HTTP 500 (gave up after 3 attempts)");
    n.setReceivers(new ArrayList<>(List.of(r)));
    s.setNotifications(n);
    return s;
  }

  @Test
  void aCopyOfTheStatusCarriesTheNotificationsAndSharesNothingWithThem() {
    ScalingChangeStatus original = withNotifications();

    ScalingChangeStatus copy = original.copy();
    copy.getNotifications().getPending().clear();
    copy.getNotifications().getReceivers().get(0).setSent(3);

    assertThat(original.getNotifications().getPending()).containsExactly("chat");
    assertThat(original.getNotifications().getReceivers().get(0).getSent()).isEqualTo(2);
    assertThat(original.copy()).isEqualTo(original).hasSameHashCodeAs(original);
  }

  @Test
  void statusesThatDifferOnlyInTheirNotificationsAreNotEqual() {
    ScalingChangeStatus a = withNotifications();
    ScalingChangeStatus b = withNotifications();
    b.getNotifications().getReceivers().get(0).setLastFailureAt("2026-11-26T02:00:05Z");

    assertThat(a).isNotEqualTo(b);
    b.setNotifications(null);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void theNotificationsSurviveTheApisJson() {
    ScalingChangeStatus original = withNotifications();

    String json = Clients.serialization().asJson(original);
    ScalingChangeStatus read = Clients.serialization().unmarshal(json, ScalingChangeStatus.class);

    assertThat(json).contains("\"notifications\":{\"sequence\":3,\"event\":\"stepEntered\"");
    assertThat(read).isEqualTo(original);
    assertThat(read.unreadable()).isEmpty();
  }
}
