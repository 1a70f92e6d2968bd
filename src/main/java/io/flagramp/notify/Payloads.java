package io.flagramp.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.nio.charset.StandardCharsets;

/**
 * The messages, built from the status that records the transition. Pure.
 *
 * <p>{@link NotifyFormat#Generic}, one JSON object (a field without a value is {@code null}):
 *
 * <pre>{@code
 * {"id": "<metadata.uid>/4", "sequence": 4, "event": "rolledBack", "namespace": "social",
 *  "change": "use-redis", "phase": "RolledBack", "reason": "ThresholdBreached", "weight": null,
 *  "step": "0/6", "attempt": 1, "decision": "error-rate 0.031 > max 0.01 (3/3) at weight 10: ...",
 *  "time": "2026-11-20T02:14:05.250Z"}
 * }</pre>
 *
 * <p>{@code id} names the transition: the same for every receiver and on a resend after a restart, so a
 * receiver can drop a duplicate. {@code weight} is the weight the flag holds after the transition
 * ({@code null} once reverted), {@code step} the steps at or below it out of all, {@code decision} the
 * status's {@code lastDecision}, {@code time} when the transition happened.
 *
 * <p>{@link NotifyFormat#Slack}: {@code {"text": "..."}}, one line: the change, what happened, phase and
 * reason, step, weight and attempt, then the decision; {@code &}, {@code <} and {@code >} escaped as Slack
 * asks.
 */
public final class Payloads {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Payloads() {}

  public static byte[] body(NotifyFormat format, ScalingChange change, ScalingChangeStatus status) {
    ObjectNode message = format == NotifyFormat.Slack ? slack(change, status) : generic(change, status);
    try {
      return JSON.writeValueAsString(message).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers is always JSON", e);
    }
  }

  static ObjectNode generic(ScalingChange change, ScalingChangeStatus status) {
    NotificationStatus n = status.getNotifications();
    ObjectNode m = JSON.createObjectNode();
    m.put("id", id(change, n.getSequence()));
    m.put("sequence", n.getSequence());
    m.put("event", n.getEvent().name());
    m.put("namespace", change.getMetadata().getNamespace());
    m.put("change", change.getMetadata().getName());
    m.put("phase", status.getPhase() == null ? null : status.getPhase().name());
    m.put("reason", status.getReason() == null ? null : status.getReason().name());
    m.put("weight", status.getCurrentWeight());
    m.put("step", status.getProgress());
    m.put("attempt", status.getAttempt());
    m.put("decision", status.getLastDecision());
    m.put("time", n.getTransitionAt());
    return m;
  }

  static ObjectNode slack(ScalingChange change, ScalingChangeStatus status) {
    NotificationStatus n = status.getNotifications();
    StringBuilder text = new StringBuilder()
        .append(change.getMetadata().getNamespace()).append('/').append(change.getMetadata().getName()).append(' ')
        .append(headline(n.getEvent(), status))
        .append(" (").append(status.getPhase()).append(' ').append(status.getReason());
    if (status.getProgress() != null) {
      text.append(", step ").append(status.getProgress());
    }
    text.append(", weight ").append(status.getCurrentWeight() == null ? "none" : status.getCurrentWeight() + "%")
        .append(", attempt ").append(status.getAttempt()).append(')');
    if (status.getLastDecision() != null) {
      text.append(": ").append(status.getLastDecision());
    }
    ObjectNode m = JSON.createObjectNode();
    m.put("text", escape(text.toString()));
    return m;
  }

  /** {@code <metadata.uid>/<sequence>}: one transition of one object, the same on a resend. */
  public static String id(ScalingChange change, int sequence) {
    return change.getMetadata().getUid() + "/" + sequence;
  }

  private static String headline(NotifyEvent event, ScalingChangeStatus status) {
    return switch (event) {
      case stepEntered -> "entered step " + status.getProgress();
      case awaitingApproval -> "awaits approval";
      case held -> "is held";
      case rolledBack -> "rolled back";
      case succeeded -> "succeeded";
      case invalid -> "is invalid";
    };
  }

  /** What Slack asks of text it should not read as markup. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
