package io.flagramp.operator;

import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Approvers;
import io.flagramp.core.Durations;
import io.flagramp.core.HttpAddress;
import io.flagramp.core.PlannerSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
    Optional<String> prometheusTenantLabel, AddressAllowlist webhookAllowlist, boolean requireConfigMapOptIn, int httpPort, boolean leaderElection,
    String leaseName, Optional<String> leaseNamespace, String logFormat, LogLevel logLevel, int maxConcurrentSteps,
    Shard shard,
    Approvers approvers) {

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
        "Prometheus base URL for ScalingChanges that do not name one in spec.analysis.prometheus.address; a change"
            + " may also name it."),
    PROMETHEUS_ALLOWLIST("FLAGRAMP_PROMETHEUS_ALLOWLIST", "",
        "Comma-separated Prometheus base URLs (http://prometheus.monitoring.svc:9090) or hosts (*.monitoring.svc)"
            + " a ScalingChange may name besides FLAGRAMP_PROMETHEUS_ADDRESS; any other address makes it Invalid."
            + " Empty allows none. Loopback and link-local addresses only where an entry names that host itself."),
    PROMETHEUS_TENANT_LABEL("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "",
        "A label name (namespace): Prometheus is reached through a label-enforcing proxy (prom-label-proxy -label"
            + " namespace) and every query carries the query parameter <label>=<the ScalingChange's namespace>, which"
            + " the change cannot set otherwise; the proxy then shows it only series of its own namespace. Needs"
            + " FLAGRAMP_PROMETHEUS_ADDRESS or FLAGRAMP_PROMETHEUS_ALLOWLIST, which should name the proxy alone: an"
            + " address they allow that is not the proxy (Prometheus itself) is read unscoped. Empty: PromQL is sent"
            + " as written."),
    WEBHOOK_ALLOWLIST("FLAGRAMP_WEBHOOK_ALLOWLIST", "",
        "Comma-separated webhook base URLs (https://hooks.slack.com/services/) or hosts (*.chat.example.com) the"
            + " URLs in spec.notify Secrets may point at; a message to any other address is refused and never sent."
            + " Empty allows none. Loopback and link-local addresses only where an entry names that host itself."),
    REQUIRE_CONFIGMAP_OPT_IN("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "true",
        "true: a ConfigMap is written only if it carries the label flagramp.io/flags=true; false: any ConfigMap"
            + " in a watched namespace."),
    VERIFIED_APPROVER("FLAGRAMP_VERIFIED_APPROVER", "false",
        "true: the approver of a step is the user in flagramp.io/approved-by, which the chart's approval policy"
            + " (a ValidatingAdmissionPolicy, approvals.verifiedApprover) makes the API server check against the"
            + " authenticated user whenever flagramp.io/approve changes; an approval without it is refused. Set it"
            + " only where that policy is installed: without it anyone can write any name there. false: the field"
            + " manager that set flagramp.io/approve, a name the client chooses."),
    LAST_EDITOR_CANNOT_APPROVE("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", "false",
        "true: an approval by the user in flagramp.io/last-edited-by, who last changed the spec (spec.suspend"
            + " aside; the same policy, with approvals.lastEditorCannotApprove, checks it on every such change), is"
            + " refused, and so is any approval of a change whose last editor is not recorded. Needs"
            + " FLAGRAMP_VERIFIED_APPROVER=true."),
    HTTP_PORT("FLAGRAMP_HTTP_PORT", "8080",
        "Port of /metrics, /healthz and /readyz; 0 serves none."),
    LEADER_ELECTION("FLAGRAMP_LEADER_ELECTION", "false",
        "true: replicas elect a leader on a Lease and only the leader reconciles (set by the Helm chart)."),
    LEASE_NAME("FLAGRAMP_LEASE_NAME", "",
        "Name of the leader-election Lease; defaults to flagramp-operator, or flagramp-operator-<shard> in a shard."),
    LEASE_NAMESPACE("FLAGRAMP_LEASE_NAMESPACE", "",
        "Namespace of the Lease; defaults to the operator's own (POD_NAMESPACE, or the service account's)."),
    MAX_CONCURRENT_STEPS("FLAGRAMP_MAX_CONCURRENT_STEPS", "8",
        "Most step writes (status, ConfigMap, restarts) in flight at once; a step due beyond it waits its turn"
            + " for a few milliseconds. Reverts and aborts are never held back by it."),
    LOG_FORMAT("FLAGRAMP_LOG_FORMAT", "text",
        "text: one line per event, a stack trace included; json: one JSON object per line, decisions with"
            + " namespace, name, phase, reason and weight as fields. Either way control characters in a message"
            + " (an abort's reason, a ConfigMap's value) are shown as escapes: \\e, \\n, \\u202e."),
    LOG_LEVEL("FLAGRAMP_LOG_LEVEL", "info",
        "error, warn, info or debug: the least severe event logged. error and warn apply to the libraries too;"
            + " debug adds flagramp's own debug lines, the libraries (JOSDK, Fabric8) staying at info."),
    SHARD("FLAGRAMP_SHARD", "",
        "This deployment's shard: it owns only the ScalingChanges labelled flagramp.io/shard=<shard> (the default"
            + " shard also those labelled for no other shard) and has a Lease of its own. Empty: it owns every"
            + " ScalingChange."),
    SHARDS("FLAGRAMP_SHARDS", "",
        "Comma-separated names of every shard of the installation, the same in each; the default shard leaves"
            + " the others' changes alone."),
    DEFAULT_SHARD("FLAGRAMP_DEFAULT_SHARD", "",
        "The shard of FLAGRAMP_SHARDS that owns unlabelled ScalingChanges and those labelled for a shard not in"
            + " FLAGRAMP_SHARDS."),
    SHARD_SELECTOR("FLAGRAMP_SHARD_SELECTOR", "",
        "A label selector (flagramp.io/shard in (a), team notin (payments), !flagramp.io/shard) of the"
            + " ScalingChanges this shard owns, instead of the one FLAGRAMP_SHARD, FLAGRAMP_SHARDS and"
            + " FLAGRAMP_DEFAULT_SHARD make.");

    public final String key;
    public final String defaultValue;
    public final String description;

    Setting(String key, String defaultValue, String description) {
      this.key = key;
      this.defaultValue = defaultValue;
      this.description = description;
    }
  }

  /** The Lease's name when neither FLAGRAMP_LEASE_NAME nor a shard says otherwise. */
  public static final String DEFAULT_LEASE_NAME = "flagramp-operator";

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
    Optional<HttpAddress> prometheus = prometheusAddress(raw.get(Setting.PROMETHEUS_ADDRESS));
    AddressAllowlist listed = allowlist(Setting.PROMETHEUS_ALLOWLIST, raw);
    // The operator's own default is the administrators' choice: a change may name it too.
    AddressAllowlist allowlist = prometheus.map(listed::including).orElse(listed);
    String tenantLabel = raw.get(Setting.PROMETHEUS_TENANT_LABEL);
    if (!tenantLabel.isEmpty() && (!tenantLabel.matches("[a-zA-Z_][a-zA-Z0-9_]*") || tenantLabel.startsWith("__"))) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_TENANT_LABEL.key + ": \"" + tenantLabel + "\" is not a"
          + " Prometheus label name a proxy can enforce (letters, digits and '_', not starting with a digit or '__')");
    }
    if (!tenantLabel.isEmpty() && allowlist.isEmpty()) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_TENANT_LABEL.key + " needs the proxy's address in "
          + Setting.PROMETHEUS_ADDRESS.key + " or " + Setting.PROMETHEUS_ALLOWLIST.key + ": with neither, no query"
          + " could be sent, scoped or not");
    }
    if (!tenantLabel.isEmpty() && prometheus.isPresent() && !listed.isEmpty() && !listed.allows(prometheus.get())) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_TENANT_LABEL.key + ": " + Setting.PROMETHEUS_ADDRESS.key
          + " is not in " + Setting.PROMETHEUS_ALLOWLIST.key + "; point both at the proxy, or a change that names no"
          + " address is read unscoped");
    }
    AddressAllowlist webhooks = allowlist(Setting.WEBHOOK_ALLOWLIST, raw);
    String logFormat = raw.get(Setting.LOG_FORMAT);
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException(Setting.LOG_FORMAT.key + ": \"" + logFormat + "\" is neither text nor json");
    }
    LogLevel logLevel = LogLevel.parse(Setting.LOG_LEVEL.key, raw.get(Setting.LOG_LEVEL));
    Shard shard = shard(raw);
    Approvers approvers = approvers(raw);
    String leaseName = raw.get(Setting.LEASE_NAME).isEmpty() ? shard.leaseName(DEFAULT_LEASE_NAME)
        : raw.get(Setting.LEASE_NAME);
    String leaseNamespace = raw.get(Setting.LEASE_NAMESPACE).isEmpty()
        ? environment.getOrDefault("POD_NAMESPACE", "") : raw.get(Setting.LEASE_NAMESPACE);
    return new OperatorSettings(namespaces, duration(Setting.RESYNC_INTERVAL, raw),
        duration(Setting.PENDING_RETRY_INTERVAL, raw), positive(Setting.HISTORY_LIMIT, raw), instance,
        prometheus.map(HttpAddress::toString), allowlist,
        tenantLabel.isEmpty() ? Optional.empty() : Optional.of(tenantLabel), webhooks,
        bool(Setting.REQUIRE_CONFIGMAP_OPT_IN, raw), port(Setting.HTTP_PORT, raw), bool(Setting.LEADER_ELECTION, raw),
        leaseName, leaseNamespace.isEmpty() ? Optional.empty() : Optional.of(leaseNamespace), logFormat,
        logLevel, positive(Setting.MAX_CONCURRENT_STEPS, raw), shard, approvers);
  }

  private static Approvers approvers(Map<Setting, String> raw) {
    boolean verified = bool(Setting.VERIFIED_APPROVER, raw);
    boolean lastEditorExcluded = bool(Setting.LAST_EDITOR_CANNOT_APPROVE, raw);
    if (lastEditorExcluded && !verified) {
      throw new IllegalArgumentException(Setting.LAST_EDITOR_CANNOT_APPROVE.key + " needs "
          + Setting.VERIFIED_APPROVER.key + "=true: the last editor can be told from the approver only when the API"
          + " server has checked both names");
    }
    return new Approvers(verified, lastEditorExcluded);
  }

  /**
   * The shard from its four settings. A shard owns {@code flagramp.io/shard in (<shard>)}; the default
   * shard {@code flagramp.io/shard notin (<every other shard>)}, so a change with no label, or with the
   * name of a shard that does not exist, still has an owner, and no two shards of one FLAGRAMP_SHARDS
   * ever own the same change. Any of them without FLAGRAMP_SHARD is refused: that deployment would own
   * every change, the other shards' too.
   */
  private static Shard shard(Map<Setting, String> raw) {
    String name = raw.get(Setting.SHARD);
    List<String> shards = Arrays.stream(raw.get(Setting.SHARDS).split(",")).map(String::trim)
        .filter(n -> !n.isEmpty()).toList();
    String defaultShard = raw.get(Setting.DEFAULT_SHARD);
    String selector = raw.get(Setting.SHARD_SELECTOR);
    if (name.isEmpty()) {
      for (Setting s : List.of(Setting.SHARDS, Setting.DEFAULT_SHARD, Setting.SHARD_SELECTOR)) {
        if (!raw.get(s).isEmpty()) {
          throw new IllegalArgumentException(s.key + " needs " + Setting.SHARD.key + ", this deployment's shard;"
              + " without it the deployment owns every ScalingChange, the other shards' too");
        }
      }
      return Shard.everything();
    }
    shardName(Setting.SHARD, name);
    shards.forEach(n -> shardName(Setting.SHARDS, n));
    if (!selector.isEmpty()) {
      if (!shards.isEmpty() || !defaultShard.isEmpty()) {
        throw new IllegalArgumentException(Setting.SHARD_SELECTOR.key + " replaces " + Setting.SHARDS.key + " and "
            + Setting.DEFAULT_SHARD.key + ": set either the selector or those");
      }
      try {
        return new Shard(Optional.of(name), LabelSelector.parse(selector));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(Setting.SHARD_SELECTOR.key + ": " + e.getMessage(), e);
      }
    }
    if (!shards.isEmpty() && !shards.contains(name)) {
      throw new IllegalArgumentException(Setting.SHARDS.key + ": " + shards + " does not name this shard, \""
          + name + "\" (" + Setting.SHARD.key + ")");
    }
    if (shards.size() != new TreeSet<>(shards).size()) {
      throw new IllegalArgumentException(Setting.SHARDS.key + ": " + shards + " names a shard twice");
    }
    if (!defaultShard.isEmpty() && !shards.contains(defaultShard)) {
      throw new IllegalArgumentException(Setting.DEFAULT_SHARD.key + ": \"" + defaultShard + "\" is not one of "
          + Setting.SHARDS.key + " " + shards + ", which the default shard must know to leave them alone");
    }
    if (!name.equals(defaultShard)) {
      return new Shard(Optional.of(name), LabelSelector.in(Shard.LABEL, Set.of(name)));
    }
    Set<String> others = shards.stream().filter(n -> !n.equals(name)).collect(Collectors.toCollection(TreeSet::new));
    return new Shard(Optional.of(name), others.isEmpty() ? LabelSelector.parse("")
        : LabelSelector.notIn(Shard.LABEL, others));
  }

  /** A shard's name is a label value and a part of the Lease's name: a DNS label. */
  private static void shardName(Setting s, String name) {
    if (name.length() > 63 || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
      throw new IllegalArgumentException(s.key + ": \"" + name + "\" is not a shard name (1 to 63 lower-case"
          + " letters, digits and '-', beginning and ending with a letter or digit)");
    }
  }

  private static Optional<HttpAddress> prometheusAddress(String written) {
    if (written.isEmpty()) {
      return Optional.empty();
    }
    if (!written.matches("(?i)^https?://\\S+$")) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_ADDRESS.key + ": \"" + written
          + "\" is not an http(s) URL");
    }
    try {
      return Optional.of(HttpAddress.base(written));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(Setting.PROMETHEUS_ADDRESS.key + ": \"" + written + "\" is not an address"
          + " the operator can query: " + e.getMessage(), e);
    }
  }

  public PlannerSettings planner() {
    return new PlannerSettings(resyncInterval, pendingRetryInterval, historyLimit, prometheusAddress,
        prometheusAllowlist, requireConfigMapOptIn, approvers);
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
        + " prometheusAllowlist=" + prometheusAllowlist
        + prometheusTenantLabel.map(l -> " prometheusTenantLabel=" + l).orElse("")
        + " webhookAllowlist=" + webhookAllowlist.withoutPaths()
        + " requireConfigMapOptIn=" + requireConfigMapOptIn
        + " verifiedApprover=" + approvers.verified() + " lastEditorCannotApprove=" + approvers.lastEditorExcluded()
        + " httpPort=" + httpPort + " leaderElection=" + leaderElection
        + (leaderElection ? " lease=" + leaseNamespace.orElse("<own namespace>") + "/" + leaseName : "")
        + " maxConcurrentSteps=" + maxConcurrentSteps + " logFormat=" + logFormat + " logLevel=" + logLevel
        + (shard.sharded() ? " shard=" + shard : "");
  }
}
