package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.demo.InMemoryApi;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A status write that meets a 409 is made again on the fresh version when only what no decision reads
 * changed (a label), and handed up when anything a decision reads changed (an annotation, the status).
 */
class SameInputsTest {

  private final InMemoryApi api = new InMemoryApi();
  private final ScalingChange change = api.create(AnalysedChanges.change("use-redis",
      Instant.parse("2026-12-06T00:00:00Z"), new FlagTarget("app-features", "P", null), List.of(1, 100)));
  private final SameInputs store = new SameInputs(api.statusStore(), c -> Optional.ofNullable(api.read("use-redis")));

  private static ScalingChangeStatus progressing() {
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setPhase(Phase.Progressing);
    return s;
  }

  @Test
  void aWritePlannedBeforeALabelChangeIsMadeOnTheFreshVersion() {
    ScalingChange planned = api.read("use-redis");
    api.stored("use-redis").getMetadata().setLabels(new java.util.HashMap<>(java.util.Map.of("team", "payments")));
    api.touch("use-redis");

    store.write(planned, progressing());

    assertThat(api.stored("use-redis").getStatus().getPhase()).isEqualTo(Phase.Progressing);
  }

  @Test
  void aWritePlannedBeforeAnAnnotationChangeIsHandedUpToBeDecidedAgain() {
    ScalingChange planned = api.read("use-redis");
    api.stored("use-redis").getMetadata().getAnnotations().put("flagramp.io/abort", "now");
    api.touch("use-redis");

    assertThatThrownBy(() -> store.write(planned, progressing()))
        .isInstanceOfSatisfying(StatusWriteFailed.class, e -> assertThat(e.conflict()).isTrue());
    assertThat(api.stored("use-redis").getStatus()).isNull();
  }

  @Test
  void aStaleCopyWhoseStatusWasWrittenSinceIsNeverProvenCurrent() {
    ScalingChange stale = api.read("use-redis");
    api.statusStore().write(api.read("use-redis"), progressing());

    assertThatThrownBy(() -> store.verify(stale)).isInstanceOf(StatusWriteFailed.class);
  }
}
