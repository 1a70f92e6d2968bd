package io.flagramp.notify;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Notice;
import io.flagramp.core.Plan;
import io.flagramp.core.SpecValidator;
import io.flagramp.metrics.GuardedDns;
import io.flagramp.operator.FairShares;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.operator.Reconciliation;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Tells {@code spec.notify} receivers of each transition, without ever making a reconcile wait or fail.
 *
 * <p>How a message goes, with what is written where:
 *
 * <ol>
 *   <li>The status write that records a transition records, in the same write, that the transition is
 *       owed to its receivers ({@code status.notifications.pending}, with its {@code sequence}); see
 *       {@link Ledger}. Nothing is sent for a status write that was refused.
 *   <li>Once the reconcile's writes were accepted ({@link #planned}), each owed message is handed to its
 *       receiver's lane, once per transition: a lane per Secret key, one message at a time in order, at
 *       most {@value #QUEUE_PER_RECEIVER} waiting. The lanes are shared fairly between namespaces
 *       ({@link FairShares}): at most {@value #MAX_LANES} messages are being sent at once, at most
 *       {@value #LANES_PER_NAMESPACE} of one namespace, which has at most {@value #QUEUE_PER_NAMESPACE}
 *       waiting; namespaces take turns for a free lane. A message that finds its lane's or its
 *       namespace's queue full is dropped, and counted. A receiver that hangs holds only its own lane,
 *       for at most its attempts' timeouts and backoffs ({@link Courier}), and a namespace whose
 *       receivers all hang holds only its own share: every other namespace's messages go out at once.
 *   <li>Outcomes are counted on {@code /metrics} at once, and go into status with the next status write
 *       the reconciler makes anyway; or, when nothing handed over is still being sent or a message was
 *       given up on, the change is reconciled once to write them ({@code ready}). A receiver that starts
 *       failing (or is refused) gets one Warning Event, until it succeeds again.
 * </ol>
 *
 * <p>So, with nothing crashing, each receiver gets exactly one message per transition. If the operator
 * stops between recording a transition and settling its messages, the next one (after a restart or a
 * failover) sends the latest transition's message again to the receivers still listed as owed it: at
 * least once, with the same {@code id}, so a receiver can drop the duplicate. Messages still queued for
 * an older transition at that moment are lost (at most once for those): only the latest state is owed.
 */
public final class Notifier implements Reconciliation.Observer {

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  /** Messages waiting per receiver lane before more are dropped. */
  public static final int QUEUE_PER_RECEIVER = 32;
  /** Messages being sent at once, operator-wide (one per lane at a time); idle threads end. */
  public static final int MAX_LANES = 64;
  /** Messages of one namespace being sent at once: a namespace at its share leaves the lanes to the others. */
  public static final int LANES_PER_NAMESPACE = 8;
  /** Messages of one namespace waiting before more are dropped. */
  public static final int QUEUE_PER_NAMESPACE = 256;

  static FairShares lanes() {
    return new FairShares(new FairShares.Limits(MAX_LANES, LANES_PER_NAMESPACE, 1, QUEUE_PER_NAMESPACE,
        QUEUE_PER_RECEIVER, "flagramp-webhook-",
        "not sent: " + QUEUE_PER_NAMESPACE + " messages of this namespace were already waiting",
        "not sent: " + QUEUE_PER_RECEIVER + " messages were already waiting for this receiver"));
  }

  private final Courier courier;
  private final FairShares lanes;
  private final Reconciliation.Events events;
  private final Consumer<ScalingChange> ready;
  private final OperatorMetrics metrics;
  private final Clock clock;
  /** By the change's uid. */
  private final Map<String, Book> books = new ConcurrentHashMap<>();
  /** Messages handed over whose settling (counted, logged, told, woken up) has not finished. */
  private final AtomicInteger unsettled = new AtomicInteger();

  /** What this operator knows of one change's messages beyond its status. Guarded by itself. */
  private static final class Book {
    /** Per receiver, the latest transition whose message was handed to its lane. */
    final Map<String, Integer> handedOver = new HashMap<>();
    /** Outcomes not yet in status. */
    final List<Outcome> settled = new ArrayList<>();
    /** The outcomes the current reconcile put into the status it writes. */
    List<Outcome> merging = List.of();
    int inFlight;
    /** Per receiver, the failure last told in an Event. */
    final Map<String, String> told = new HashMap<>();
  }

  Notifier(Courier courier, FairShares lanes, Reconciliation.Events events, Consumer<ScalingChange> ready,
      OperatorMetrics metrics, Clock clock) {
    this.courier = courier;
    this.lanes = lanes;
    this.events = events;
    this.ready = ready;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The operator's notifier: Secrets read through {@code client}, addresses checked against
   * {@code allowlist} (also what a name resolves to, {@link GuardedDns}), 3 attempts of at most 5s each,
   * 1s then 2s apart.
   *
   * @param ready reconciles a change again, to write its settled outcomes
   */
  public static Notifier create(KubernetesClient client, AddressAllowlist allowlist, Reconciliation.Events events,
      Consumer<ScalingChange> ready, OperatorMetrics metrics, Clock clock) {
    Courier.Policy policy = Courier.Policy.DEFAULT;
    ReceiverAddress addresses = new ReceiverAddress(
        (namespace, name) -> client.secrets().inNamespace(namespace).withName(name).get(), allowlist);
    return new Notifier(new Courier(addresses, new HttpTransport(GuardedDns.client(allowlist), policy.timeout()),
        policy, Courier.Pause.SLEEP, clock), lanes(), events, ready, metrics, clock);
  }

  @Override
  public ScalingChangeStatus amend(ScalingChange change, ScalingChangeStatus planned, boolean writeDue,
      Instant now) {
    try {
      List<WebhookReceiver> receivers = receivers(change);
      ScalingChangeStatus observed = change.getStatus();
      NotificationStatus before = observed == null ? null : observed.getNotifications();
      if (receivers.isEmpty() && before == null) {
        return planned;
      }
      Book book = books.get(uid(change));
      List<Outcome> outcomes = List.of();
      boolean settle = false;
      if (book != null) {
        synchronized (book) {
          outcomes = List.copyOf(book.settled);
          // A status write of their own only when nothing handed over is still being sent, or one was not
          // sent (on-call should see that soon, even behind a receiver that hangs); otherwise they wait
          // for a write that is due anyway. So: one per transition, plus one per message given up on.
          settle = !outcomes.isEmpty() && (book.inFlight == 0 || outcomes.stream().anyMatch(o -> !o.delivered()));
          book.merging = writeDue || settle ? outcomes : List.of();
        }
      }
      if (!writeDue && !settle) {
        return planned;
      }
      NotificationStatus next = Ledger.next(before, Transitions.between(observed, planned), receivers, outcomes, now);
      if (Objects.equals(next, planned.getNotifications())) {
        return planned;
      }
      ScalingChangeStatus amended = planned.copy();
      amended.setNotifications(next);
      return amended;
    } catch (RuntimeException e) {
      log.warn("{}: notifications not recorded in this status write: {}", name(change), e.toString());
      return planned;
    }
  }

  @Override
  public void planned(ScalingChange change, Plan plan) {
    Book known = books.get(uid(change));
    if (known != null) {
      synchronized (known) {
        // The status that holds them was accepted (or needed no write): they are recorded.
        known.merging.forEach(merged -> known.settled.removeIf(o -> o == merged));
        known.merging = List.of();
      }
    }
    NotificationStatus n = plan.status() == null ? null : plan.status().getNotifications();
    if (n == null || n.getPending() == null || n.getSequence() == null || n.getEvent() == null) {
      return;
    }
    Book book = books.computeIfAbsent(uid(change), uid -> new Book());
    int sequence = n.getSequence();
    List<WebhookReceiver> receivers = receivers(change);
    for (String name : n.getPending()) {
      Optional<WebhookReceiver> receiver = receivers.stream().filter(r -> r.getName().equals(name)).findFirst();
      if (receiver.isEmpty()) {
        continue;
      }
      synchronized (book) {
        if (book.handedOver.getOrDefault(name, 0) >= sequence) {
          continue;  // handed over already: exactly one message per transition and receiver
        }
        book.handedOver.put(name, sequence);
        book.inFlight++;
      }
      unsettled.incrementAndGet();
      handOver(change, book, plan.status(), receiver.get(), sequence);
    }
  }

  @Override
  public void forgotten(ScalingChange change) {
    books.remove(uid(change));
  }

  /** Messages handed to a lane whose settling has not finished, of every change: for tests. */
  int inFlight() {
    return unsettled.get();
  }

  private void handOver(ScalingChange change, Book book, ScalingChangeStatus status, WebhookReceiver receiver,
      int sequence) {
    String namespace = change.getMetadata().getNamespace();
    Courier.Message message = new Courier.Message(namespace, receiver.getName(), receiver.getSecretRef(), sequence,
        Payloads.body(receiver.formatOrDefault(), change, status));
    String lane = namespace + "/" + receiver.getSecretRef().getName() + "/" + receiver.getSecretRef().keyOrDefault();
    lanes.submit(namespace, lane, () -> courier.deliver(message), (full, why) -> new Outcome(receiver.getName(),
            sequence, Outcome.Result.Dropped, full == FairShares.Full.KEY ? "queue_full" : "namespace_queue_full", why,
            clock.instant()))
        .whenComplete((outcome, failure) -> settled(change, book, outcome != null ? outcome
            : new Outcome(receiver.getName(), sequence, Outcome.Result.Failed, "internal_error",
                "not sent: " + failure.getClass().getSimpleName(), clock.instant())));
  }

  private void settled(ScalingChange change, Book book, Outcome o) {
    try {
      metrics.notified(o.result().label(), o.cause());
      String about = name(change) + ": receiver " + o.receiver() + ", transition " + Payloads.id(change, o.sequence())
          + ", " + o.result().label();
      boolean wake;
      boolean tell = false;
      synchronized (book) {
        book.settled.add(o);
        book.inFlight--;
        if (o.delivered()) {
          book.told.remove(o.receiver());
        } else if (!o.message().equals(book.told.get(o.receiver()))) {
          book.told.put(o.receiver(), o.message());
          tell = true;
        }
        wake = book.inFlight == 0 || !o.delivered();
      }
      // Off the reconcile threads, so JOSDK has put nothing in the MDC: the JSON log's fields are set here.
      try (MDC.MDCCloseable ns = MDC.putCloseable("namespace", change.getMetadata().getNamespace());
          MDC.MDCCloseable name = MDC.putCloseable("name", change.getMetadata().getName());
          MDC.MDCCloseable receiver = MDC.putCloseable("receiver", o.receiver())) {
        if (o.delivered()) {
          log.info("{}: {}", about, o.detail());
        } else {
          log.warn("{}: {}", about, o.detail());
        }
      }
      if (tell) {
        // Once while a receiver keeps failing the same way; the count is in status and on /metrics.
        events.record(change, Notice.warning(o.result() == Outcome.Result.Refused ? "NotificationRefused"
            : "NotificationFailed", "receiver " + o.receiver() + ": " + o.message()));
      }
      if (wake && books.get(uid(change)) == book) {
        ready.accept(change);
      }
    } catch (RuntimeException e) {
      log.warn("{}: the outcome of a notification was not recorded: {}", name(change), e.toString());
    } finally {
      unsettled.decrementAndGet();
    }
  }

  /** The receivers of a spec whose notify list is valid; none otherwise (an invalid one is not used). */
  private static List<WebhookReceiver> receivers(ScalingChange change) {
    List<WebhookReceiver> receivers = change.getSpec() == null ? null : change.getSpec().getNotify();
    if (receivers == null || receivers.isEmpty() || SpecValidator.receivers(receivers).isPresent()) {
      return List.of();
    }
    return receivers;
  }

  private static String uid(ScalingChange change) {
    return change.getMetadata().getUid();
  }

  private static String name(ScalingChange change) {
    return change.getMetadata().getNamespace() + "/" + change.getMetadata().getName();
  }
}
