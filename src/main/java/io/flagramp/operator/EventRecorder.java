package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Notice;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a ScalingChange, for {@code kubectl describe} and {@code kubectl events}.
 * Written through {@code events.k8s.io/v1}, whose {@code eventTime} has microseconds: the core API's
 * timestamps have whole seconds, so Events of one second lost their order. Each recorder's times
 * strictly increase, even within one microsecond. An Event that cannot be written is logged and
 * dropped: it never fails a reconcile, whose decision is in status anyway.
 *
 * <p>The operator's recorder is {@link #queued}: an Event is stamped when it is recorded and sent
 * afterwards by at most {@value #SENDERS} sender threads, as client-go's recorder does, so a step's
 * ConfigMap write never waits for its Event (in a burst of 1,000 steps the Event was a third of each
 * step's writes). Each namespace has a lane of its own and the lanes take turns, one Event each, so one
 * tenant's flood of Events delays another's by at most one Event per busy namespace; within a lane,
 * Warnings (reverts, aborts, faults) go before queued Normal Events. At most {@value #PER_NAMESPACE}
 * wait in a lane and {@value #CAPACITY} in all; past that the lane's (or, in all, the longest lane's)
 * oldest Normal Event is dropped, a Warning only when its lane holds nothing else, and the log says how
 * many.
 */
public final class EventRecorder implements Reconciliation.Events {

  /** Events waiting to be sent, at most. */
  static final int CAPACITY = 10_000;
  /** Events of one namespace waiting to be sent, at most. */
  static final int PER_NAMESPACE = 1_000;
  /** Threads sending Events at once, at most; each leaves when nothing waits. */
  static final int SENDERS = 2;

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_NOTE = 1024;
  static final String CONTROLLER = "flagramp.io/operator";
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private Instant last = Instant.MIN;
  /** Where Events go; a write to the API server but in tests. */
  private final Consumer<Event> sink;
  /** Null: each Event is sent by the thread that records it. */
  private final Executor senders;
  private final int capacity;
  private final int perNamespace;
  /** Per namespace, the Events waiting; a namespace is in {@link #turns} while its lane holds any. */
  private final Map<String, Lane> lanes = new HashMap<>();
  private final Deque<String> turns = new ArrayDeque<>();
  private int waiting;
  private int sending;
  private long dropped;

  /** One namespace's Events waiting, Warnings apart. */
  private static final class Lane {
    final Deque<Event> warnings = new ArrayDeque<>();
    final Deque<Event> normals = new ArrayDeque<>();

    int size() {
      return warnings.size() + normals.size();
    }

    Event next() {
      return warnings.isEmpty() ? normals.pollFirst() : warnings.pollFirst();
    }
  }

  /** Sends each Event as it is recorded, on the recording thread. */
  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this(client, clock, instance, null, null, 0, 0);
  }

  EventRecorder(KubernetesClient client, Clock clock, String instance, Consumer<Event> sink, Executor senders,
      int capacity, int perNamespace) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.sink = sink != null ? sink : this::create;
    this.senders = senders;
    this.capacity = capacity;
    this.perNamespace = perNamespace;
  }

  /** The operator's recorder: Events are queued and sent by their own threads, Warnings first. */
  public static EventRecorder queued(KubernetesClient client, Clock clock, String instance) {
    ThreadPoolExecutor threads = new ThreadPoolExecutor(SENDERS, SENDERS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "flagramp-events");
          t.setDaemon(true);
          return t;
        });
    threads.allowCoreThreadTimeOut(true);
    return new EventRecorder(client, clock, instance, null, threads, CAPACITY, PER_NAMESPACE);
  }

  @Override
  public void record(ScalingChange change, Notice notice) {
    Event event = event(change, notice);
    if (senders == null) {
      sink.accept(event);
      return;
    }
    boolean start;
    synchronized (this) {
      String ns = event.getMetadata().getNamespace();
      Lane lane = lanes.computeIfAbsent(ns, n -> new Lane());
      if (lane.size() >= perNamespace && !dropOldestNormal(lane, ns + "'s " + perNamespace)) {
        return;  // only Warnings wait in this lane: this one goes
      }
      if (waiting >= capacity) {
        Lane longest = lanes.values().stream().max(Comparator.comparingInt(Lane::size)).orElse(lane);
        if (!dropOldestNormal(longest, "all " + capacity)) {
          return;
        }
      }
      if (lane.size() == 0) {
        turns.addLast(ns);
      }
      ("Warning".equals(event.getType()) ? lane.warnings : lane.normals).addLast(event);
      waiting++;
      start = sending < SENDERS;
      if (start) {
        sending++;
      }
    }
    if (start) {
      senders.execute(this::send);
    }
  }

  /** Drops {@code lane}'s oldest Normal Event, if it has one; whether it had. Holds the lock. */
  private boolean dropOldestNormal(Lane lane, String full) {
    dropped++;
    if (dropped == 1 || dropped % 1000 == 0) {
      log.warn("{} Events waiting to be sent: dropped {} so far, the oldest Normal ones first", full, dropped);
    }
    if (lane.normals.pollFirst() == null) {
      return false;
    }
    waiting--;
    return true;
  }

  /** Sends what waits, a namespace at a time in turn, Warnings first in each, until nothing does. */
  private void send() {
    while (true) {
      Event next;
      synchronized (this) {
        next = null;
        while (next == null) {
          String ns = turns.pollFirst();
          if (ns == null) {
            sending--;
            notifyAll();
            return;
          }
          Lane lane = lanes.get(ns);
          next = lane == null ? null : lane.next();
          if (lane != null && lane.size() > 0) {
            turns.addLast(ns);
          } else {
            lanes.remove(ns);  // emptied, here or by a drop
          }
        }
        waiting--;
      }
      try {
        sink.accept(next);
      } catch (RuntimeException e) {
        log.warn("could not record Event {}: {}", next.getReason(), e.toString());
      }
    }
  }

  /** Events queued and not yet being sent. */
  synchronized int waiting() {
    return waiting;
  }

  /** Waits up to {@code timeout} for every queued Event to be sent; whether they were. */
  public synchronized boolean flush(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (waiting > 0 || sending > 0) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private void create(Event event) {
    try {
      client.events().v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn("{}/{}: could not record Event {} ({}): {}", event.getMetadata().getNamespace(),
          event.getRegarding().getName(), event.getReason(), event.getNote(), e.getMessage());
    }
  }

  /** The Event for {@code notice}, stamped now. */
  Event event(ScalingChange change, Notice notice) {
    String ns = change.getMetadata().getNamespace();
    String note = notice.message().length() <= MAX_NOTE ? notice.message()
        : notice.message().substring(0, MAX_NOTE - 1) + "…";
    Event event = new EventBuilder()
        .withNewMetadata()
          .withNamespace(ns)
          .withName(change.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)
              .toLowerCase(Locale.ROOT))
        .endMetadata()
        .withNewRegarding()
          .withApiVersion(change.getApiVersion()).withKind(change.getKind())
          .withName(change.getMetadata().getName()).withNamespace(ns)
          .withUid(change.getMetadata().getUid())
          .withResourceVersion(change.getMetadata().getResourceVersion())
        .endRegarding()
        .withType(notice.kind().name())
        .withReason(notice.reason())
        .withAction(notice.reason())
        .withNote(note)
        .withEventTime(new MicroTime(MICROS.format(next())))
        .withReportingController(CONTROLLER)
        .withReportingInstance(instance)
        .build();
    return event;
  }

  /** Now, to the microsecond, and after every time this recorder handed out before. */
  synchronized Instant next() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    last = now.isAfter(last) ? now : last.plus(1, ChronoUnit.MICROS);
    return last;
  }
}
