package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The delivery record of {@code spec.notify}: the latest notified transition, the receivers still owed
 * its message, and per receiver what became of its messages. Written only along with a status write
 * that records a transition or is due anyway, and once when a transition's messages are settled; never
 * a condition, never a phase.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotificationStatus {

  @JsonPropertyDescription("Transitions notified so far. The latest one's id, in every message about it, is"
      + " <metadata.uid>/<sequence>.")
  @Max(Integer.MAX_VALUE)
  private Integer sequence;

  @JsonPropertyDescription("The event of the latest notified transition.")
  private NotifyEvent event;

  @JsonPropertyDescription("When the latest notified transition happened (RFC 3339): the time in its messages.")
  @Size(max = Text.SHORT)
  private String transitionAt;

  @JsonPropertyDescription("Receivers still owed the latest transition's message. Recorded with the transition,"
      + " before anything is sent; a receiver leaves the list once its message was sent or given up on. After"
      + " an operator restart, the receivers listed here are sent it again (at least once).")
  @Size(max = ScalingChangeSpec.MAX_RECEIVERS)
  private List<String> pending;

  @JsonPropertyDescription("Per receiver: messages sent and given up on, and the last failure.")
  @Size(max = ScalingChangeSpec.MAX_RECEIVERS)
  private List<ReceiverStatus> receivers;

  public NotificationStatus copy() {
    NotificationStatus c = new NotificationStatus();
    c.sequence = sequence;
    c.event = event;
    c.transitionAt = transitionAt;
    c.pending = pending == null ? null : new ArrayList<>(pending);
    c.receivers = receivers == null ? null : new ArrayList<>(receivers.stream().map(ReceiverStatus::copy).toList());
    return c;
  }

  public Integer getSequence() {
    return sequence;
  }

  public void setSequence(Integer sequence) {
    this.sequence = sequence;
  }

  public NotifyEvent getEvent() {
    return event;
  }

  public void setEvent(NotifyEvent event) {
    this.event = event;
  }

  public String getTransitionAt() {
    return transitionAt;
  }

  public void setTransitionAt(String transitionAt) {
    this.transitionAt = transitionAt;
  }

  public List<String> getPending() {
    return pending;
  }

  public void setPending(List<String> pending) {
    this.pending = pending;
  }

  public List<ReceiverStatus> getReceivers() {
    return receivers;
  }

  public void setReceivers(List<ReceiverStatus> receivers) {
    this.receivers = receivers;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NotificationStatus n && Objects.equals(sequence, n.sequence) && event == n.event
        && Objects.equals(transitionAt, n.transitionAt) && Objects.equals(pending, n.pending)
        && Objects.equals(receivers, n.receivers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sequence, event, transitionAt, pending, receivers);
  }
}
