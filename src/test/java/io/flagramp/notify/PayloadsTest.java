package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two message formats, field by field, as the README documents them. */
class PayloadsTest {

  private static final String DECISION = "error-rate 0.031 > max 0.01 (3/3) at weight 10: reverted, removed"
      + " USE_REDIS_PERCENTAGE (was absent) & restored USE_REDIS=\"false\"";

  private static ScalingChange rolledBack() {
    ScalingChange change = Rig.change(List.of(new Step(1, "1h"), new Step(10, "1h"), new Step(100, null)));
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setPhase(Phase.RolledBack);
    s.setReason(Reason.ThresholdBreached);
    s.setAttempt(2);
    s.setProgress("0/3");
    s.setLastDecision(DECISION);
    NotificationStatus n = new NotificationStatus();
    n.setSequence(4);
    n.setEvent(NotifyEvent.rolledBack);
    n.setTransitionAt("2026-11-20T02:14:05.25Z");
    s.setNotifications(n);
    change.setStatus(s);
    return change;
  }

  private static JsonNode json(byte[] body) throws Exception {
    return new ObjectMapper().readTree(body);
  }

  @Test
  void theGenericMessageCarriesEveryDocumentedFieldAndNoOther() throws Exception {
    ScalingChange change = rolledBack();

    JsonNode m = json(Payloads.body(NotifyFormat.Generic, change, change.getStatus()));

    List<String> fields = new ArrayList<>();
    m.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("id", "sequence", "event", "namespace", "change", "phase", "reason", "weight",
        "step", "attempt", "decision", "time");
    assertThat(m.get("id").asText()).isEqualTo("uid-use-redis/4");
    assertThat(m.get("sequence").asInt()).isEqualTo(4);
    assertThat(m.get("event").asText()).isEqualTo("rolledBack");
    assertThat(m.get("namespace").asText()).isEqualTo("social");
    assertThat(m.get("change").asText()).isEqualTo("use-redis");
    assertThat(m.get("phase").asText()).isEqualTo("RolledBack");
    assertThat(m.get("reason").asText()).isEqualTo("ThresholdBreached");
    assertThat(m.get("weight").isNull()).as("no weight is written after a revert").isTrue();
    assertThat(m.get("step").asText()).isEqualTo("0/3");
    assertThat(m.get("attempt").asInt()).isEqualTo(2);
    assertThat(m.get("decision").asText()).isEqualTo(DECISION);
    assertThat(m.get("time").asText()).isEqualTo("2026-11-20T02:14:05.25Z");
  }

  @Test
  void aStepEnteredMessageCarriesItsWeightAndStep() throws Exception {
    ScalingChange change = rolledBack();
    ScalingChangeStatus s = change.getStatus();
    s.setPhase(Phase.Progressing);
    s.setReason(Reason.StepEntered);
    s.setCurrentWeight(10);
    s.setProgress("2/3");
    s.getNotifications().setEvent(NotifyEvent.stepEntered);

    JsonNode generic = json(Payloads.body(NotifyFormat.Generic, change, s));
    JsonNode slack = json(Payloads.body(NotifyFormat.Slack, change, s));

    assertThat(generic.get("weight").asInt()).isEqualTo(10);
    assertThat(generic.get("step").asText()).isEqualTo("2/3");
    assertThat(slack.get("text").asText()).startsWith("social/use-redis entered step 2/3 (Progressing StepEntered,"
        + " step 2/3, weight 10%, attempt 2): ");
  }

  @Test
  void theSlackMessageIsOneTextFieldWithTheDecisionEscapedAsSlackAsks() throws Exception {
    ScalingChange change = rolledBack();

    JsonNode m = json(Payloads.body(NotifyFormat.Slack, change, change.getStatus()));

    List<String> fields = new ArrayList<>();
    m.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("text");
    assertThat(m.get("text").asText()).isEqualTo("social/use-redis rolled back (RolledBack ThresholdBreached,"
        + " step 0/3, weight none, attempt 2): error-rate 0.031 &gt; max 0.01 (3/3) at weight 10: reverted, removed"
        + " USE_REDIS_PERCENTAGE (was absent) &amp; restored USE_REDIS=\"false\"");
  }
}
