package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which status writes are transitions, and which events they are: the table the receivers' filter reads. */
class TransitionsTest {

  private static final Optional<NotifyEvent> NO_EVENT = Optional.empty();

  static ScalingChangeStatus status(Phase phase, Reason reason, Integer weight) {
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setPhase(phase);
    s.setReason(reason);
    s.setCurrentWeight(weight);
    return s;
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // before, after, is a transition, its event
        Arguments.of(null, status(Phase.Progressing, Reason.StepEntered, 1), true, Optional.of(NotifyEvent.stepEntered)),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 1), status(Phase.Progressing, Reason.StepEntered, 5),
            true, Optional.of(NotifyEvent.stepEntered)),
        Arguments.of(status(Phase.Progressing, Reason.AwaitingAnalysis, 1),
            status(Phase.Progressing, Reason.StepEntered, 5), true, Optional.of(NotifyEvent.stepEntered)),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5), status(Phase.Progressing, Reason.StepEntered, 5),
            false, NO_EVENT),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5),
            status(Phase.Progressing, Reason.AwaitingAnalysis, 5), true, NO_EVENT),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5),
            status(Phase.AwaitingApproval, Reason.AwaitingApproval, 5), true, Optional.of(NotifyEvent.awaitingApproval)),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5), status(Phase.Held, Reason.ExternalChange, 5),
            true, Optional.of(NotifyEvent.held)),
        Arguments.of(status(Phase.Held, Reason.ExternalChange, 5), status(Phase.Held, Reason.NoData, 5), true,
            Optional.of(NotifyEvent.held)),
        Arguments.of(status(Phase.Held, Reason.NoData, 5), status(Phase.Held, Reason.NoData, 5), false, NO_EVENT),
        Arguments.of(status(Phase.Held, Reason.ExternalChange, 5), status(Phase.Progressing, Reason.Resumed, 5), true,
            NO_EVENT),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 10),
            status(Phase.RolledBack, Reason.ThresholdBreached, null), true, Optional.of(NotifyEvent.rolledBack)),
        Arguments.of(status(Phase.Succeeded, Reason.Succeeded, 100), status(Phase.RolledBack, Reason.Aborted, null),
            true, Optional.of(NotifyEvent.rolledBack)),
        Arguments.of(status(Phase.Baking, Reason.Baking, 100), status(Phase.Succeeded, Reason.Succeeded, 100), true,
            Optional.of(NotifyEvent.succeeded)),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 100), status(Phase.Baking, Reason.Baking, 100), true,
            NO_EVENT),
        Arguments.of(null, status(Phase.Invalid, Reason.InvalidSpec, null), true, Optional.of(NotifyEvent.invalid)),
        Arguments.of(status(Phase.Pending, Reason.ConfigMapNotFound, null),
            status(Phase.Invalid, Reason.ConfigMapNotOptedIn, null), true, Optional.of(NotifyEvent.invalid)),
        Arguments.of(null, status(Phase.Pending, Reason.ConfigMapNotFound, null), true, NO_EVENT),
        Arguments.of(status(Phase.RolledBack, Reason.Aborted, null), status(Phase.Pending, Reason.NewAttempt, null),
            true, NO_EVENT),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5), status(Phase.Paused, Reason.Suspended, 5), true,
            NO_EVENT),
        Arguments.of(status(Phase.Progressing, Reason.StepEntered, 5), null, false, NO_EVENT));
  }

  @ParameterizedTest
  @MethodSource("table")
  void eachTransitionIsTheEventOfTheStateItLeadsTo(ScalingChangeStatus before, ScalingChangeStatus after,
      boolean transition, Optional<NotifyEvent> event) {
    Optional<Transitions.Transition> found = Transitions.between(before, after);

    assertThat(found.isPresent()).as("a transition").isEqualTo(transition);
    assertThat(found.flatMap(Transitions.Transition::event)).isEqualTo(event);
  }
}
