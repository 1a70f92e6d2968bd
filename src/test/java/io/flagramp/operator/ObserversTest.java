package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Plan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Several observers of one reconcile: the metrics and the notifications, each seeing every plan. */
class ObserversTest {

  /** Records what it sees; amends by appending its name to lastDecision; may be told to throw. */
  private static final class Recording implements Reconciliation.Observer {
    final String name;
    final boolean throwing;
    final List<String> seen;

    Recording(String name, boolean throwing, List<String> seen) {
      this.name = name;
      this.throwing = throwing;
      this.seen = seen;
    }

    @Override
    public ScalingChangeStatus amend(ScalingChange change, ScalingChangeStatus planned, boolean writeDue,
        Instant now) {
      ScalingChangeStatus amended = planned.copy();
      amended.setLastDecision(planned.getLastDecision() + " " + name);
      return amended;
    }

    @Override
    public void planned(ScalingChange change, Plan plan) {
      seen.add(name + " planned " + plan.status().getLastDecision());
      if (throwing) {
        throw new IllegalStateException("bug in " + name);
      }
    }

    @Override
    public void forgotten(ScalingChange change) {
      seen.add(name + " forgot");
      if (throwing) {
        throw new IllegalStateException("bug in " + name);
      }
    }
  }

  @Test
  void amendmentsApplyInOrderAndAnObserverThatThrowsDoesNotHideThePlanFromTheNext() {
    List<String> seen = new ArrayList<>();
    Reconciliation.Observer all = Reconciliation.Observer.all(new Recording("metrics", true, seen),
        new Recording("notifier", false, seen));
    ScalingChange change = new ScalingChange();
    change.getMetadata().setName("use-redis");
    change.getMetadata().setNamespace("social");
    ScalingChangeStatus planned = new ScalingChangeStatus();
    planned.setLastDecision("decided");

    ScalingChangeStatus amended = all.amend(change, planned, true, Instant.EPOCH);
    all.planned(change, new Plan(Optional.empty(), amended, Optional.empty(), Optional.empty()));
    all.forgotten(change);

    assertThat(planned.getLastDecision()).isEqualTo("decided");
    assertThat(amended.getLastDecision()).isEqualTo("decided metrics notifier");
    assertThat(seen).containsExactly("metrics planned decided metrics notifier", "notifier planned decided metrics notifier",
        "metrics forgot", "notifier forgot");
  }
}
