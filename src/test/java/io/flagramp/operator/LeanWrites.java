package io.flagramp.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.FlagFormat;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Notice;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API server's floor for a step, for the scale benchmark: the operator's own writes of a step, made
 * by a client that does nothing else. A step is planned ahead by the operator's own planner and
 * {@link Reconciliation} (reads made for real, writes caught instead of made); {@link #write} then makes
 * exactly those writes with the operator's own write code, in the operator's order: the status merge
 * patch (conditional on the resourceVersion), the ConfigMap merge patch of the flag's key and claim, the
 * {@code events.k8s.io/v1} Event. Same requests, same bodies, same sizes; no informers, no reconciles,
 * no planning on the clock.
 */
public final class LeanWrites {

  /** One step's writes, as the operator would make them. */
  public record Step(ScalingChange observed, ScalingChangeStatus next, String configMap, FlagWrite write,
      FlagStore.Snapshot read, List<Notice> notices) {}

  private final KubernetesClient client;
  private final PlannerSettings settings;
  private final ConfigMapFlagStore flags;
  private final EventRecorder events;

  public LeanWrites(KubernetesClient client, String instance) {
    this.client = client;
    this.settings = OperatorSettings.defaults().planner();
    this.flags = new ConfigMapFlagStore(client);
    this.events = new EventRecorder(client, Clock.systemUTC(), instance);
  }

  /** Reconciles {@code change} once as the operator would at {@code at}, writing for real (set-up, untimed). */
  public void settle(ScalingChange change, Instant at) {
    reconciliation(flags, events, at).reconcile(change, new Reconciliation.StatusStore() {
      @Override
      public void write(ScalingChange observed, ScalingChangeStatus next) {
        StatusWriter.patch(client, observed, next);
      }

      @Override
      public void verify(ScalingChange observed) {
        StatusWriter.patch(client, observed, observed.getStatus());
      }
    });
  }

  /** The step the operator would write for {@code change} at {@code at}; empty if it would write none. */
  public Optional<Step> plan(ScalingChange change, Instant at) {
    List<Notice> notices = new ArrayList<>();
    ScalingChangeStatus[] status = new ScalingChangeStatus[1];
    Object[] flag = new Object[3];
    FlagStore caught = new FlagStore() {
      @Override
      public Optional<Snapshot> read(String namespace, String configMap, FlagFormat format) {
        return flags.read(namespace, configMap, format);
      }

      @Override
      public void write(String namespace, String configMap, FlagWrite write, Snapshot read) {
        flag[0] = configMap;
        flag[1] = write;
        flag[2] = read;
      }
    };
    reconciliation(caught, (c, notice) -> notices.add(notice), at).reconcile(change,
        new Reconciliation.StatusStore() {
          @Override
          public void write(ScalingChange observed, ScalingChangeStatus next) {
            status[0] = next;
          }

          @Override
          public void verify(ScalingChange observed) {}
        });
    if (status[0] == null || !(flag[1] instanceof FlagWrite.SetValues)) {
      return Optional.empty();
    }
    return Optional.of(new Step(change, status[0], (String) flag[0], (FlagWrite) flag[1], (FlagStore.Snapshot) flag[2],
        List.copyOf(notices)));
  }

  /** Makes {@code step}'s writes, one after the other: status, ConfigMap, Event. */
  public void write(Step step) {
    writeFlag(step);
    writeEvents(step);
  }

  /** The status and ConfigMap writes of {@code step}, without its Event. */
  public void writeFlag(Step step) {
    StatusWriter.patch(client, step.observed(), step.next());
    flags.write(step.observed().getMetadata().getNamespace(), step.configMap(), step.write(), step.read());
  }

  /** The Events of {@code step}. */
  public void writeEvents(Step step) {
    step.notices().forEach(n -> events.record(step.observed(), n));
  }

  private Reconciliation reconciliation(FlagStore store, Reconciliation.Events recorder, Instant at) {
    return new Reconciliation(new Planner(settings), store, (change, request, now, ready) -> Optional.empty(),
        recorder, (namespace, name) -> Optional.ofNullable(client.resources(ScalingChange.class)
            .inNamespace(namespace).withName(name).get()), Clock.fixed(at, ZoneOffset.UTC));
  }
}
