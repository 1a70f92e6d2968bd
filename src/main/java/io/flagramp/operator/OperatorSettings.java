package io.flagramp.operator;

import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Durations;
import io.flagramp.core.PlannerSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The operator's settings, read once at start-up from {@code FLAGRAMP_*} environment variables. Each
 * has a key, a default and a description here and nowhere else; an unknown {@code FLAGRAMP_*}
 * variable is refused, so a typo fails the start instead of being silently ignored.
 */
public record OperatorSettings(Set<String> namespaces, Duration resyncInterval, Duration pendingRetryInterval,
    int historyLimit, String instance, Optional<String> prometheusAddress, AddressAllowlist prometheusAllowlist,
    AddressAllowlist webhookAllowlist, boolean requireConfigMapOptIn, int httpPort, boolean leaderElection,
    String leaseName, Optional<String> leaseNamespace, String logFormat, int maxConcurrentSteps) {

  /** Every setting the operator knows. */
  public enum Setting {
    NAMESPACES("FLAGRAMP_NAMESPACES", "",
        "Comma-separated namespaces to watch; empty watches all namespaces."),
    RESYNC_INTERVAL("FLAGRAMP_RESYNC_INTERVAL", "60s",
        "Longest time a running change goes without reading its ConfigMap, to notice someone else changing the flag."),
    PENDING_RETRY_INTERVAL("FLAGRAMP_PENDING_RETRY_INTERVAL", "15s",
        "How often a Pending change looks again for its ConfigMap or its turn."),
    HISTORY_LIMIT("FLAGRAMP_HISTORY_LIMIT", "20",
        "How many rows status.history keeps."),
    INSTANCE("FLAGRAMP_INSTANCE", "",
        "Name of this operator instance in Events (reportingInstance); defaults to the host name."),
    PROMETHEUS_ADDRESS("FLAGRAMP_PROMETHEUS_ADDRESS", "",
        "Prometheus base URL for ScalingChanges that do not name one in spec.analysis.prometheus.address."),
    PROMETHEUS_ALLOWLIST("FLAGRAMP_PROMETHEUS_ALLOWLIST", "",
        "Comma-separated Prometheus base URLs (http://prometheus.monitoring.svc:9090) or hosts (*.monitoring.svc)"
            + " a ScalingChange may name; any other address makes it Invalid. Empty allows any address."),
    WEBHOOK_ALLOWLIST("FLAGRAMP_WEBHOOK_ALLOWLIST", "",
        "Comma-separated webhook base URLs (https://hooks.slack.com/services/) or hosts (*.chat.example.com) the"
            + " URLs in spec.notify Secrets may point at; a message to any other address is refused and never sent."
            + " Empty allows any address."),
    REQUIRE_CONFIGMAP_OPT_IN("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "true",
        "true: a ConfigMap is written only if it carries the label flagramp.io/flags=true; false: any ConfigMap"
            + " in a watched namespace."),
    HTTP_PORT("FLAGRAMP_HTTP_PORT", "8080",
        "Port of /metrics, /healthz and /readyz; 0 serves none."),
    LEADER_ELECTION("FLAGRAMP_LEADER_ELECTION", "false",
        "true: replicas elect a leader on a Lease and only the leader reconciles (set by the Helm chart)."),
    LEASE_NAME("FLAGRAMP_LEASE_NAME", "flagramp-operator",
        "Name of the leader-election Lease."),
    LEASE_NAMESPACE("FLAGRAMP_LEASE_NAMESPACE", "",
        "Namespace of the Lease; defaults to the operator's own (POD_NAMESPACE, or the service account's)."),
    MAX_CONCURRENT_STEPS("FLAGRAMP_MAX_CONCURRENT_STEPS", "8",
        "Most step writes (status, ConfigMap, restarts) in flight at once; a step due beyond it waits its turn"
            + " for a few milliseconds. Reverts and aborts are never held back by it."),
    LOG_FORMAT("FLAGRAMP_LOG_FORMAT", "text",
        "text: one line per event; json: one JSON object per line, decisions with namespace, name, phase,"
            + " reason and weight as fields.");

    public final String key;
    public final String defaultValue;
    public final String description;

    Setting(String key, String defaultValue, String description) {
      this.key = key;
      this.defaultValue = defaultValue;
      this.description = description;
    }
  }

  public static OperatorSettings defaults() {
    return from(Map.of());
  }

  /** Reads the settings from an environment; throws {@link IllegalArgumentException} naming the bad variable. */
  public static OperatorSettings from(Map<String, String> environment) {
    Set<String> known = Arrays.stream(Setting.values()).map(s -> s.key).collect(Collectors.toSet());
    Set<String> unknown = environment.keySet().stream()
        .filter(k -> k.startsWith("FLAGRAMP_") && !known.contains(k) && !k.equals("FLAGRAMP_CACHE")
            && !k.equals("FLAGRAMP_K8S_VERSION"))
        .collect(Collectors.toCollection(TreeSet::new));
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown setting(s) " + unknown + "; known: " + new TreeSet<>(known));
    }
    Map<Setting, String> raw = new LinkedHashMap<>();
    for (Setting s : Setting.values()) {
      raw.put(s, environment.getOrDefault(s.key, s.defaultValue).trim());
    }
    Set<String> namespaces = Arrays.stream(raw.get(Setting.NAMESPACES).split(","))
        .map(String::trim).filter(n -> !n.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    String instance = raw.get(Setting.INSTANCE).isEmpty()
        ? environment.getOrDefault("HOSTNAME", "flagramp") : raw.get(Setting.INSTANCE);
    String prometheus = raw.get(Setting.PROMETHEUS_ADDRESS);
    if (!prometheus.isEmpty() && !prometheus.matches("^https?://\\S+$")) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_ADDRESS.key + ": \"" + prometheus
          + "\" is not an http(s) URL");
    }
    AddressAllowlist allowlist = allowlist(Setting.PROMETHEUS_ALLOWLIST, raw);
    AddressAllowlist webhooks = allowlist(Setting.WEBHOOK_ALLOWLIST, raw);
    String logFormat = raw.get(Setting.LOG_FORMAT);
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException(Setting.LOG_FORMAT.key + ": \"" + logFormat + "\" is neither text nor json");
    }
    String leaseNamespace = raw.get(Setting.LEASE_NAMESPACE).isEmpty()
        ? environment.getOrDefault("POD_NAMESPACE", "") : raw.get(Setting.LEASE_NAMESPACE);
    return new OperatorSettings(namespaces, duration(Setting.RESYNC_INTERVAL, raw),
        duration(Setting.PENDING_RETRY_INTERVAL, raw), positive(Setting.HISTORY_LIMIT, raw), instance,
        prometheus.isEmpty() ? Optional.empty() : Optional.of(prometheus), allowlist, webhooks,
        bool(Setting.REQUIRE_CONFIGMAP_OPT_IN, raw), port(Setting.HTTP_PORT, raw), bool(Setting.LEADER_ELECTION, raw),
        raw.get(Setting.LEASE_NAME), leaseNamespace.isEmpty() ? Optional.empty() : Optional.of(leaseNamespace),
        logFormat, positive(Setting.MAX_CONCURRENT_STEPS, raw));
  }

  public PlannerSettings planner() {
    return new PlannerSettings(resyncInterval, pendingRetryInterval, historyLimit, prometheusAddress,
        prometheusAllowlist, requireConfigMapOptIn);
  }

  private static AddressAllowlist allowlist(Setting s, Map<Setting, String> raw) {
    try {
      return AddressAllowlist.parse(raw.get(s));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(s.key + ": " + e.getMessage(), e);
    }
  }

  private static int port(Setting s, Map<Setting, String> raw) {
    try {
      int n = Integer.parseInt(raw.get(s));
      if (n < 0 || n > 65535) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(s.key + ": \"" + raw.get(s) + "\" is not a port (0..65535)");
    }
  }

  private static boolean bool(Setting s, Map<Setting, String> raw) {
    return switch (raw.get(s)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(s.key + ": \"" + raw.get(s) + "\" is neither true nor false");
    };
  }

  private static Duration duration(Setting s, Map<Setting, String> raw) {
    try {
      Duration d = Durations.parse(raw.get(s));
      if (d.isZero()) {
        throw new IllegalArgumentException("must be above 0s");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(s.key + ": " + e.getMessage(), e);
    }
  }

  private static int positive(Setting s, Map<Setting, String> raw) {
    try {
      int n = Integer.parseInt(raw.get(s));
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(s.key + ": \"" + raw.get(s) + "\" is not a whole number above 0");
    }
  }

  /**
   * One line for the start-up log. No setting is secret; the webhook allowlist is shown without paths,
   * in case someone listed a whole webhook URL (whose path is its secret) in it.
   */
  @Override
  public String toString() {
    return "namespaces=" + (namespaces.isEmpty() ? "<all>" : String.join(",", namespaces))
        + " resyncInterval=" + Durations.format(resyncInterval)
        + " pendingRetryInterval=" + Durations.format(pendingRetryInterval)
        + " historyLimit=" + historyLimit + " instance=" + instance
        + " prometheusAddress=" + prometheusAddress.orElse("<none>")
        + " prometheusAllowlist=" + prometheusAllowlist + " webhookAllowlist=" + webhookAllowlist.withoutPaths()
        + " requireConfigMapOptIn=" + requireConfigMapOptIn
        + " httpPort=" + httpPort + " leaderElection=" + leaderElection
        + (leaderElection ? " lease=" + leaseNamespace.orElse("<own namespace>") + "/" + leaseName : "")
        + " maxConcurrentSteps=" + maxConcurrentSteps + " logFormat=" + logFormat;
  }
}
