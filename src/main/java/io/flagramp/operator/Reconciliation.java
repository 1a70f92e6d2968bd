package io.flagramp.operator;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Deletion;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.core.Notice;
import io.flagramp.core.Observation;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.ObservedTarget;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.core.Restart;
import io.flagramp.core.StatusDiff;
import io.flagramp.core.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One reconcile of one ScalingChange, free of JOSDK, so the same code runs against the real API
 * server and against the in-memory one of the demo and the fault tests. Observe (the ConfigMap and
 * the claims on it, whether each foreign claim's owner still holds it, the clock, the metrics when
 * the planner asks), plan, and act in the write-ahead order: status first (it records the intent of
 * any ConfigMap write), then the ConfigMap, then the Event. It never sleeps; it says when to look again.
 */
public final class Reconciliation {

  private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);

  /** The status subresource, written with optimistic locking on the observed resourceVersion. */
  public interface StatusStore {
    /** @throws StatusWriteFailed when refused, most often a 409: the object changed since it was read */
    void write(ScalingChange observed, ScalingChangeStatus next);

    /**
     * Proves {@code observed} is the current version of the object, changing nothing: a status write of
     * no change on its resourceVersion. A ConfigMap write that no status write of the same reconcile
     * went before is made only after this, so a stale copy (a lagging cache, a second replica, the old
     * shard after a relabel) never writes the flag.
     *
     * @throws StatusWriteFailed with a 409 when it is not
     */
    void verify(ScalingChange observed);
  }

  /** Reads a ScalingChange from the API server itself, not a cache: a claim is judged on fresh facts. */
  public interface Changes {
    Optional<ScalingChange> get(String namespace, String name);
  }

  /** Answers the planner's measurement requests, without making a reconcile wait for them. */
  public interface Measure {
    /**
     * The answers to {@code request} if a round of it is complete; otherwise starts one (once) and
     * returns empty, and calls {@code ready} when it completes. The answers stay until {@link #used}
     * (or they are too old), so a reconcile that planned with them but did not act (its step queued for
     * a room) finds the same answers when it comes back, and decides the same.
     */
    Optional<Measurements> answers(ScalingChange change, MeasurementRequest request, Instant now, Runnable ready);

    /**
     * A plan made with the answers to {@code request} was carried out, or tried and failed part way:
     * the next round asks afresh.
     */
    default void used(ScalingChange change, MeasurementRequest request) {}

    /** The change is gone: drop what is kept for it. */
    default void forget(ScalingChange change) {}
  }

  /**
   * Sees each plan carried out, and each change let go: the operator's metrics, the notifications. An
   * observer may keep a record of its own in status ({@link #amend}); it is written along with the
   * plan's status, never on its own unless the observer asks for it.
   */
  public interface Observer {
    /**
     * The status to write instead of {@code planned}, with this observer's record in it; {@code planned}
     * itself when there is nothing to add. Called before every status write, and on every reconcile that
     * gets this far; {@code writeDue} says whether the plan writes status anyway, {@code now} is the time
     * the plan was made for. Must not change {@code planned}, and must not throw.
     */
    default ScalingChangeStatus amend(ScalingChange change, ScalingChangeStatus planned, boolean writeDue,
        Instant now) {
      return planned;
    }

    /** The plan was carried out: its status (as amended) and ConfigMap writes were accepted. */
    void planned(ScalingChange change, Plan plan);

    void forgotten(ScalingChange change);

    Observer NONE = new Observer() {
      @Override
      public void planned(ScalingChange change, Plan plan) {}

      @Override
      public void forgotten(ScalingChange change) {}
    };

    /**
     * Each of {@code observers} in turn: amendments are applied in this order, and an observer that
     * throws is logged and does not keep the others from seeing the plan (the writes are made by then).
     */
    static Observer all(Observer... observers) {
      List<Observer> each = List.of(observers);
      return new Observer() {
        @Override
        public ScalingChangeStatus amend(ScalingChange change, ScalingChangeStatus planned, boolean writeDue,
            Instant now) {
          ScalingChangeStatus amended = planned;
          for (Observer o : each) {
            amended = o.amend(change, amended, writeDue, now);
          }
          return amended;
        }

        @Override
        public void planned(ScalingChange change, Plan plan) {
          each.forEach(o -> isolated(change, () -> o.planned(change, plan)));
        }

        @Override
        public void forgotten(ScalingChange change) {
          each.forEach(o -> isolated(change, () -> o.forgotten(change)));
        }
      };
    }

    private static void isolated(ScalingChange change, Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        log.warn("{}/{}: an observer failed: {}", change.getMetadata().getNamespace(), change.getMetadata().getName(),
            e.toString(), e);
      }
    }
  }

  /** Safety net for a round whose completion was never reported: longer than any query may take. */
  static final Duration ROUND_LIMIT = Duration.ofSeconds(45);

  /** Records Events; never fails a reconcile. */
  public interface Events {
    void record(ScalingChange change, Notice notice);
  }

  private final Planner planner;
  private final FlagStore flags;
  private final Measure measure;
  private final Events events;
  private final Changes changes;
  private final Clock clock;
  /** Told when a change's measurements are ready, so it is reconciled again. */
  private final java.util.function.Consumer<ScalingChange> ready;
  private Observer observer = Observer.NONE;
  /**
   * Per change (uid): a status whose only news is measured values, not written yet (see
   * {@link StatusDiff}), and the stored status it was planned from. Used while the stored status is
   * still that one; lost on a restart, which costs one early measurement round and nothing else.
   */
  private final Map<String, Carried> carried = new ConcurrentHashMap<>();

  private record Carried(ScalingChangeStatus stored, ScalingChangeStatus status) {}
  private Workloads workloads = Workloads.NONE;
  private StepPacer pacer = StepPacer.unbounded();
  private boolean requireOptIn = true;

  public Reconciliation(Planner planner, FlagStore flags, Measure measure, Events events, Changes changes,
      Clock clock) {
    this(planner, flags, measure, events, changes, clock, change -> { });
  }

  public Reconciliation(Planner planner, FlagStore flags, Measure measure, Events events, Changes changes,
      Clock clock, java.util.function.Consumer<ScalingChange> ready) {
    this.ready = ready;
    this.planner = planner;
    this.flags = flags;
    this.measure = measure;
    this.events = events;
    this.changes = changes;
    this.clock = clock;
  }

  public Reconciliation observedBy(Observer observer) {
    this.observer = observer;
    return this;
  }

  /** Bounds the step writes in flight (reverts are not paced). */
  public Reconciliation pacedBy(StepPacer pacer) {
    this.pacer = pacer;
    return this;
  }

  /** Where spec.restartTargets are read and restarted; {@code requireOptIn} as for ConfigMaps. */
  public Reconciliation restartingThrough(Workloads workloads, boolean requireOptIn) {
    this.workloads = workloads;
    this.requireOptIn = requireOptIn;
    return this;
  }

  /** What the planner sees now: the ConfigMap with each claim judged live or stale. */
  public Observation observe(ScalingChange change) {
    return new Observation(change, read(change).map(FlagStore.Snapshot::flag), clock.instant(), targets(change));
  }

  /**
   * Whether {@code next} may stay in memory instead of being written: no ConfigMap write or restart
   * goes with it, it differs from the stored status only in measured values, and the heartbeat is not due.
   */
  private static boolean carryable(ScalingChange stored, Plan plan, ScalingChangeStatus next, Instant now) {
    return plan.write().isEmpty() && plan.restarts().isEmpty() && stored.getMetadata().getUid() != null
        && StatusDiff.onlyMeasuredValues(stored.getStatus(), next) && !StatusDiff.heartbeatDue(stored.getStatus(), now);
  }

  /** The change with the status carried for it in memory, when the stored one is still what it came from. */
  private ScalingChange withCarriedStatus(ScalingChange stored) {
    Carried c = stored.getMetadata().getUid() == null ? null : carried.get(stored.getMetadata().getUid());
    if (c == null) {
      return stored;
    }
    if (!Objects.equals(c.stored(), stored.getStatus())) {
      carried.remove(stored.getMetadata().getUid());  // written since, by us or by hand: the stored one wins
      return stored;
    }
    ScalingChange copy = new ScalingChange();
    copy.setApiVersion(stored.getApiVersion());
    copy.setKind(stored.getKind());
    copy.setMetadata(stored.getMetadata());
    copy.setSpec(stored.getSpec());
    copy.setStatus(c.status().copy());
    return copy;
  }

  /** spec.restartTargets as they are now. */
  private Map<RestartTarget, ObservedTarget> targets(ScalingChange change) {
    if (change.getSpec() == null || change.getSpec().targets().isEmpty()) {
      return Map.of();
    }
    Map<RestartTarget, ObservedTarget> targets = new LinkedHashMap<>();
    for (RestartTarget t : change.getSpec().targets()) {
      if (t != null && t.getKind() != null && t.getName() != null) {
        targets.put(t, workloads.read(change.getMetadata().getNamespace(), t));
      }
    }
    return targets;
  }

  /** Plans and acts; returns the plan carried out, whose requeue says when to look again. */
  public Plan reconcile(ScalingChange stored, StatusStore status) {
    ScalingChange change = withCarriedStatus(stored);
    if (change.getStatus() != null && !change.getStatus().unreadable().isEmpty()) {
      // Progress cannot be known, so nothing may be decided or written: isolated until fixed.
      Notice notice = Notice.warning("StatusUnreadable", "status cannot be read (" + String.join("; ",
          change.getStatus().unreadable()) + "): this ScalingChange is left alone until its status is fixed");
      announce(change, notice);
      pacer.passedOver(change);
      return new Plan(Optional.empty(), change.getStatus(), Optional.of(notice), Optional.empty());
    }
    Optional<FlagStore.Snapshot> snapshot = read(change);
    Observation observation = new Observation(change, snapshot.map(FlagStore.Snapshot::flag), clock.instant(),
        targets(change));
    Plan plan = planner.plan(observation);
    Optional<MeasurementRequest> asked = plan.measure();
    if (asked.isPresent()) {
      // The planner needs numbers first. If they are not in yet, a round is started and this reconcile
      // ends here, writing nothing: the round's completion brings the change back. A change waiting for
      // a step's room keeps its place meanwhile: it is not done with its step, only not decided yet.
      Optional<Measurements> answers = measure.answers(change, asked.get(), observation.now(),
          () -> ready.accept(change));
      if (answers.isEmpty()) {
        return new Plan(Optional.empty(), change.getStatus(), Optional.empty(), Optional.of(ROUND_LIMIT));
      }
      plan = planner.plan(observation.withMeasurements(answers.get()));
      if (plan.measure().isPresent()) {
        throw new IllegalStateException("the planner asked to measure twice in one reconcile");
      }
    }
    boolean step = plan.write().filter(w -> w instanceof FlagWrite.SetValues).isPresent();
    if (!step) {
      pacer.passedOver(change);
    } else if (!pacer.tryEnter(change)) {
      // Queued: the pacer wakes it when its turn comes.
      return new Plan(Optional.empty(), change.getStatus(), Optional.empty(), Optional.of(StepPacer.AGAIN));
    }
    try {
      return act(stored, change, status, observation, snapshot, plan);
    } finally {
      // Tried, whether or not every write went through: a status write that was applied may have
      // recorded these answers, and the next round must not be given them again.
      asked.ifPresent(request -> measure.used(change, request));
      if (step) {
        pacer.leave();
      }
    }
  }

  private Plan act(ScalingChange stored, ScalingChange change, StatusStore status, Observation observation,
      Optional<FlagStore.Snapshot> snapshot, Plan plan) {
    return act(stored, change, status, observation, snapshot, plan, observer);
  }

  /**
   * Carries out {@code plan}: status first (it records the intent of any ConfigMap write), then the
   * ConfigMap, then restarts and Events. A ConfigMap write is made only by a reconcile that has proven
   * its copy of the change current: by the status write before it, or, when none is due, by a status
   * write of no change on the copy's resourceVersion. So a stale copy never writes the flag.
   */
  private Plan act(ScalingChange stored, ScalingChange change, StatusStore status, Observation observation,
      Optional<FlagStore.Snapshot> snapshot, Plan plan, Observer observer) {
    boolean changed = !plan.status().equals(change.getStatus());
    ScalingChangeStatus next = observer.amend(change, plan.status(), changed && !carryable(stored, plan, plan.status(),
        observation.now()), observation.now());
    boolean written = false;
    if (!next.equals(change.getStatus())) {
      String uid = change.getMetadata().getUid();
      if (carryable(stored, plan, next, observation.now())) {
        carried.put(uid, new Carried(stored.getStatus(), next));
      } else {
        // Against the stored status, not the carried one: the write has to bring the stored one up to date.
        status.write(stored, next);
        written = true;
        if (uid != null) {
          carried.remove(uid);
        }
      }
    }
    if (plan.write().isPresent()) {
      if (!written) {
        status.verify(stored);
      }
      FlagTarget flag = change.getSpec().getFlag();
      flags.write(change.getMetadata().getNamespace(), flag.getConfigMapName(), plan.write().get(),
          snapshot.orElseThrow());
    }
    // After the ConfigMap: a restarted pod must read the new values.
    plan.restarts().forEach(r -> workloads.restart(change.getMetadata().getNamespace(), r));
    Plan done = next == plan.status() ? plan : new Plan(plan.write(), next, plan.notice(), plan.requeueAfter(),
        plan.measure(), plan.restarts(), plan.notes());
    done.notes().forEach(note -> announce(change, done.status(), note));
    done.notice().ifPresent(notice -> announce(change, done.status(), notice));
    observer.planned(change, done);
    return done;
  }

  /**
   * A change this operator no longer serves (relabelled to another shard): what is kept for it goes,
   * and nothing is written.
   */
  public void letGo(ScalingChange change) {
    pacer.passedOver(change);
    measure.forget(change);
    observer.forgotten(change);
    if (change.getMetadata().getUid() != null) {
      carried.remove(change.getMetadata().getUid());
    }
  }

  /**
   * A ScalingChange being deleted: one step of applying {@code spec.onDelete} to what of it is still in
   * effect on the ConfigMap ({@link Planner#planDeletion}), carried out like any plan (status first,
   * then the ConfigMap). Returns whether the finalizer may go; if not, call again (at once: the next step
   * is due).
   *
   * @throws ReconcileFault when a write is refused or fails; the finalizer stays and it is retried
   */
  public boolean cleanup(ScalingChange change, StatusStore status) {
    // A change going away neither waits for a room nor keeps one a woken turn reserved for it.
    pacer.passedOver(change);
    measure.forget(change);
    if (change.getMetadata().getUid() != null) {
      carried.remove(change.getMetadata().getUid());
    }
    observer.forgotten(change);
    if (change.getStatus() != null && !change.getStatus().unreadable().isEmpty()) {
      announce(change, Notice.warning("StatusUnreadable", "deleted with a status that cannot be read ("
          + String.join("; ", change.getStatus().unreadable()) + "): nothing is restored"));
      return true;
    }
    Optional<FlagStore.Snapshot> snapshot = read(change);
    Observation observation = new Observation(change, snapshot.map(FlagStore.Snapshot::flag), clock.instant(),
        targets(change));
    Deletion deletion = planner.planDeletion(observation);
    act(change, change, status, observation, snapshot, deletion.plan(), Observer.NONE);
    return deletion.done();
  }

  private Optional<FlagStore.Snapshot> read(ScalingChange change) {
    FlagTarget flag = change.getSpec() == null ? null : change.getSpec().getFlag();
    if (flag == null || flag.getConfigMapName() == null
        || (flag.getPercentageKey() == null && (flag.getFlagd() == null || flag.getFlagd().getKey() == null || flag.getFlagd().getFlag() == null))) {
      return Optional.empty();
    }
    String namespace = change.getMetadata().getNamespace();
    return flags.read(namespace, flag.getConfigMapName(), io.flagramp.core.FlagFormat.of(flag))
        .map(s -> new FlagStore.Snapshot(judgeClaims(change, s.flag()), s.version()));
  }

  /**
   * A foreign claim on one of this change's keys is live while its owner exists with that uid, is at the
   * claim's attempt, and holds the keys: it recorded an intent, or original values without having ended.
   * A claim copied onto a ConfigMap created again (a backup) is judged the same way: the copy carries the
   * values it stands for, which its owner may still restore, so nobody ramps on top of them meanwhile.
   * Read fresh, since taking over a claim on a stale cache would let two changes write one key.
   */
  private ObservedFlag judgeClaims(ScalingChange change, ObservedFlag flag) {
    String uid = change.getMetadata().getUid();
    var keys = change.getSpec().getFlag().keys();
    var claims = flag.claims().stream().map(c -> {
      FlagClaim claim = c.claim();
      if (claim.uid().equals(uid)) {
        return new ObservedFlag.ObservedClaim(claim, true);
      }
      if (!claim.overlaps(keys)) {
        return c;
      }
      Optional<ScalingChange> owner = changes.get(change.getMetadata().getNamespace(), claim.name());
      boolean live = owner.filter(o -> Objects.equals(o.getMetadata().getUid(), claim.uid()))
          .map(ScalingChange::getStatus)
          .filter(s -> (s.getAttempt() == null ? 1 : s.getAttempt()) == claim.attempt())
          .map(Reconciliation::holds).orElse(false);
      return new ObservedFlag.ObservedClaim(claim, live);
    }).toList();
    return flag.withClaims(claims);
  }

  static boolean holds(ScalingChangeStatus status) {
    if (status == null) {
      return false;
    }
    if (status.getIntent() != null) {
      return true;
    }
    return status.getOriginalValues() != null && (status.getPhase() == null || !status.getPhase().isTerminal());
  }

  private void announce(ScalingChange change, Notice notice) {
    announce(change, change.getStatus(), notice);
  }

  /**
   * One log line per decision, naming the change; with the JSON log format its namespace, name,
   * phase, reason and weight are fields of their own (the MDC).
   */
  private void announce(ScalingChange change, ScalingChangeStatus status, Notice notice) {
    String id = change.getMetadata().getNamespace() + "/" + change.getMetadata().getName();
    try (MDC.MDCCloseable ns = MDC.putCloseable("namespace", change.getMetadata().getNamespace());
        MDC.MDCCloseable name = MDC.putCloseable("name", change.getMetadata().getName());
        MDC.MDCCloseable phase = MDC.putCloseable("phase", status == null ? null : String.valueOf(status.getPhase()));
        MDC.MDCCloseable reason = MDC.putCloseable("reason", notice.reason());
        MDC.MDCCloseable weight = MDC.putCloseable("weight",
            status == null || status.getCurrentWeight() == null ? null : status.getCurrentWeight().toString())) {
      if (notice.kind() == Notice.Kind.Warning) {
        log.warn("{}: {} ({})", id, notice.message(), notice.reason());
      } else {
        log.info("{}: {} ({})", id, notice.message(), notice.reason());
      }
    }
    events.record(change, notice);
  }
}
