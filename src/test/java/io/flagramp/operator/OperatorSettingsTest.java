package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.core.Approvers;
import io.flagramp.core.HttpAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void defaultsWatchAllNamespaces() {
    OperatorSettings s = OperatorSettings.from(Map.of("HOSTNAME", "pod-1"));
    assertThat(s.namespaces()).isEmpty();
    assertThat(s.resyncInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.pendingRetryInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.historyLimit()).isEqualTo(20);
    assertThat(s.instance()).isEqualTo("pod-1");
    assertThat(s.toString()).isEqualTo(
        "namespaces=<all> resyncInterval=1m pendingRetryInterval=15s historyLimit=20 instance=pod-1"
            + " prometheusAddress=<none> prometheusAllowlist=<none> webhookAllowlist=<none> requireConfigMapOptIn=true"
            + " verifiedApprover=false lastEditorCannotApprove=false httpPort=8080"
            + " leaderElection=false maxConcurrentSteps=8 logFormat=text logLevel=info");
    assertThat(s.prometheusAllowlist().isEmpty()).as("no allow-all default").isTrue();
    assertThat(s.webhookAllowlist().isEmpty()).as("no allow-all default").isTrue();
    assertThat(s.requireConfigMapOptIn()).isTrue();
  }

  @Test
  void readsTheLogLevelInAnyCaseAndRefusesOneItDoesNotKnow() {
    assertThat(OperatorSettings.defaults().logLevel()).isEqualTo(LogLevel.info);
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_LOG_LEVEL", "DEBUG")).logLevel()).isEqualTo(LogLevel.debug);
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_LOG_LEVEL", "warn")).logLevel()).isEqualTo(LogLevel.warn);
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_LOG_LEVEL", "verbose")))
        .hasMessage("FLAGRAMP_LOG_LEVEL: \"verbose\" is none of error, warn, info, debug");
  }

  @Test
  void byDefaultNoAddressIsAllowedButTheOperatorsOwnPrometheus() {
    OperatorSettings none = OperatorSettings.defaults();
    OperatorSettings withDefault = OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_ADDRESS",
        "HTTP://Prometheus.Monitoring.svc:9090/"));

    assertThat(none.webhookAllowlist().allows(HttpAddress.url("http://169.254.169.254/latest/meta-data/"))).isFalse();
    assertThat(none.prometheusAllowlist().allows("http://169.254.169.254/")).isFalse();
    assertThat(none.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9090")).isFalse();
    assertThat(withDefault.prometheusAddress()).contains("http://prometheus.monitoring.svc:9090");
    assertThat(withDefault.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9090")).isTrue();
    assertThat(withDefault.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9091")).isFalse();
    assertThat(withDefault.webhookAllowlist().isEmpty()).isTrue();
    assertThat(Arrays.stream(OperatorSettings.Setting.values()).filter(v -> v.key.endsWith("_ALLOWLIST")))
        .allSatisfy(v -> assertThat(v.description).contains("Empty allows none"));
  }

  @Test
  void readsTheWebhookAllowlistAndPrintsItWithoutPaths() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_WEBHOOK_ALLOWLIST",
        "https://hooks.slack.com/services/T0001/B0002/s3cr3t, *.chat.example.com"));

    assertThat(s.webhookAllowlist().allows("https://hooks.slack.com/services/T0001/B0002/s3cr3t")).isTrue();
    assertThat(s.webhookAllowlist().allows("https://hooks.slack.com/services/T0001/B0009/other")).isFalse();
    assertThat(s.webhookAllowlist().allows("http://alerts.chat.example.com/hook")).isTrue();
    assertThat(s.webhookAllowlist().allows("http://169.254.169.254/latest")).isFalse();
    assertThat(s.prometheusAllowlist().isEmpty()).as("a list of its own").isTrue();
    assertThat(s.toString()).contains(" webhookAllowlist=https://hooks.slack.com/…,*.chat.example.com ")
        .doesNotContain("s3cr3t").doesNotContain("/services");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_WEBHOOK_ALLOWLIST", "ftp://x")))
        .hasMessageStartingWith("FLAGRAMP_WEBHOOK_ALLOWLIST: \"ftp://x\" is neither a base URL");
  }

  @Test
  void readsTheAllowlistAndTheOptInCheck() {
    OperatorSettings s = OperatorSettings.from(Map.of(
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prometheus.monitoring.svc:9090, *.metrics.svc",
        "FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "false"));
    assertThat(s.requireConfigMapOptIn()).isFalse();
    assertThat(s.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9090")).isTrue();
    assertThat(s.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9090/prefix")).isTrue();
    assertThat(s.prometheusAllowlist().allows("https://prometheus.monitoring.svc:9090")).as("scheme").isFalse();
    assertThat(s.prometheusAllowlist().allows("http://prometheus.monitoring.svc:9091")).as("port").isFalse();
    assertThat(s.prometheusAllowlist().allows("http://thanos.metrics.svc:10902")).isTrue();
    assertThat(s.prometheusAllowlist().allows("http://metrics.svc.evil.example")).isFalse();
    assertThat(s.prometheusAllowlist().allows("http://169.254.169.254/latest")).isFalse();
    assertThat(s.prometheusAllowlist().allows("http://user:pass@prometheus.monitoring.svc:9090")).isFalse();
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_ALLOWLIST", "ftp://x")))
        .hasMessageStartingWith("FLAGRAMP_PROMETHEUS_ALLOWLIST: \"ftp://x\" is neither a base URL");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "yes")))
        .hasMessage("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN: \"yes\" is neither true nor false");
  }

  @Test
  void aTenantLabelIsALabelNameAProxyCanEnforceAndNeedsTheProxyAllowedAndAsTheDefault() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "namespace",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prom-label-proxy.monitoring.svc:8080"));

    assertThat(s.prometheusTenantLabel()).contains("namespace");
    assertThat(s.toString()).contains(" prometheusAllowlist=http://prom-label-proxy.monitoring.svc:8080"
        + " prometheusTenantLabel=namespace ");
    assertThat(OperatorSettings.defaults().prometheusTenantLabel()).isEmpty();
    for (String bad : new String[] {"name-space", "1ns", "__name__", "namespace=\"b\""}) {
      assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_TENANT_LABEL", bad,
          "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prom-label-proxy:8080")))
          .hasMessageStartingWith("FLAGRAMP_PROMETHEUS_TENANT_LABEL: \"" + bad + "\" is not a Prometheus label name");
    }
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "namespace")))
        .hasMessageStartingWith("FLAGRAMP_PROMETHEUS_TENANT_LABEL needs the proxy's address in"
            + " FLAGRAMP_PROMETHEUS_ADDRESS or FLAGRAMP_PROMETHEUS_ALLOWLIST");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "namespace",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prom-label-proxy:8080",
        "FLAGRAMP_PROMETHEUS_ADDRESS", "http://prometheus:9090")))
        .hasMessage("FLAGRAMP_PROMETHEUS_TENANT_LABEL: FLAGRAMP_PROMETHEUS_ADDRESS is not in"
            + " FLAGRAMP_PROMETHEUS_ALLOWLIST; point both at the proxy, or a change that names no address is read"
            + " unscoped");
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "namespace",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prom-label-proxy:8080",
        "FLAGRAMP_PROMETHEUS_ADDRESS", "http://prom-label-proxy:8080")).prometheusAddress())
        .contains("http://prom-label-proxy:8080");
  }

  @Test
  void approversAreTheFieldManagerUnlessTheChartSaysItsApprovalPolicyVouchesForThem() {
    assertThat(OperatorSettings.defaults().planner().approvers()).isEqualTo(Approvers.FIELD_MANAGER);

    OperatorSettings verified = OperatorSettings.from(Map.of("FLAGRAMP_VERIFIED_APPROVER", "true"));
    assertThat(verified.planner().approvers()).isEqualTo(new Approvers(true, false));
    OperatorSettings fourEyes = OperatorSettings.from(Map.of("FLAGRAMP_VERIFIED_APPROVER", "true",
        "FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", "true"));
    assertThat(fourEyes.planner().approvers()).isEqualTo(new Approvers(true, true));
    assertThat(fourEyes.toString()).contains(" verifiedApprover=true lastEditorCannotApprove=true ");

    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", "true")))
        .hasMessageStartingWith("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE needs FLAGRAMP_VERIFIED_APPROVER=true");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_VERIFIED_APPROVER", "yes")))
        .hasMessage("FLAGRAMP_VERIFIED_APPROVER: \"yes\" is neither true nor false");
  }

  @Test
  void readsEveryVariable() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_NAMESPACES", " social, payments ,",
        "FLAGRAMP_RESYNC_INTERVAL", "2m", "FLAGRAMP_PENDING_RETRY_INTERVAL", "5s", "FLAGRAMP_HISTORY_LIMIT", "7",
        "FLAGRAMP_INSTANCE", "a", "FLAGRAMP_PROMETHEUS_ADDRESS", "http://prometheus.monitoring.svc:9090"));
    assertThat(s.namespaces()).isEqualTo(Set.of("social", "payments"));
    assertThat(s.resyncInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.pendingRetryInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.historyLimit()).isEqualTo(7);
    assertThat(s.instance()).isEqualTo("a");
    assertThat(s.prometheusAddress()).contains("http://prometheus.monitoring.svc:9090");
    assertThat(s.planner().defaultPrometheus()).isPresent();
  }

  @Test
  void refusesAnUnknownSettingByName() {
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_NAMESPACE", "social")))
        .hasMessageStartingWith("unknown setting(s) [FLAGRAMP_NAMESPACE]");
  }

  @Test
  void refusesABadValueNamingTheVariable() {
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "1d")))
        .hasMessageStartingWith("FLAGRAMP_RESYNC_INTERVAL: \"1d\" is not a duration");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_HISTORY_LIMIT", "0")))
        .hasMessage("FLAGRAMP_HISTORY_LIMIT: \"0\" is not a whole number above 0");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_PROMETHEUS_ADDRESS", "prometheus:9090")))
        .hasMessage("FLAGRAMP_PROMETHEUS_ADDRESS: \"prometheus:9090\" is not an http(s) URL");
  }

  @Test
  void aShardOwnsTheChangesLabelledWithItsNameAndHasALeaseOfItsOwn() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "b", "FLAGRAMP_SHARDS", "a, b,c",
        "FLAGRAMP_DEFAULT_SHARD", "a", "FLAGRAMP_LEADER_ELECTION", "true", "POD_NAMESPACE", "flagramp"));
    assertThat(s.shard().selector()).hasToString("flagramp.io/shard in (b)");
    assertThat(s.shard().takesUnlabelled()).isFalse();
    assertThat(s.leaseName()).isEqualTo("flagramp-operator-b");
    assertThat(s.toString()).endsWith(" leaderElection=true lease=flagramp/flagramp-operator-b maxConcurrentSteps=8 logFormat=text logLevel=info"
        + " shard=b (flagramp.io/shard in (b))");
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "b")).shard().selector())
        .as("without the others named").hasToString("flagramp.io/shard in (b)");
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "b", "FLAGRAMP_LEASE_NAME", "mine")).leaseName())
        .as("a Lease named explicitly").isEqualTo("mine");
  }

  @Test
  void theDefaultShardOwnsWhatNoOtherShardIsNamedOn() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "c,a,b",
        "FLAGRAMP_DEFAULT_SHARD", "a"));
    assertThat(s.shard().selector()).hasToString("flagramp.io/shard notin (b,c)");
    assertThat(s.shard().takesUnlabelled()).isTrue();
    assertThat(s.shard()).hasToString("a (flagramp.io/shard notin (b,c), the default shard)");
    assertThat(s.leaseName()).isEqualTo("flagramp-operator-a");
    assertThat(OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "a",
        "FLAGRAMP_DEFAULT_SHARD", "a")).shard().selector().selectsEverything()).as("the only shard").isTrue();
  }

  @Test
  void unshardedItOwnsEveryChangeOnTheLeaseItAlwaysHad() {
    OperatorSettings s = OperatorSettings.defaults();
    assertThat(s.shard().sharded()).isFalse();
    assertThat(s.shard().selector().selectsEverything()).isTrue();
    assertThat(s.leaseName()).isEqualTo("flagramp-operator");
  }

  @Test
  void anExplicitSelectorIsValidatedAndNeedsTheShardsName() {
    OperatorSettings s = OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "payments",
        "FLAGRAMP_SHARD_SELECTOR", "team in (payments, billing)"));
    assertThat(s.shard().selector()).hasToString("team in (billing,payments)");
    assertThat(s.leaseName()).isEqualTo("flagramp-operator-payments");

    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a",
        "FLAGRAMP_SHARD_SELECTOR", "flagramp.io/shard in ()")))
        .hasMessageStartingWith("FLAGRAMP_SHARD_SELECTOR: \"flagramp.io/shard in ()\" is not a label selector:"
            + " 'in' needs at least one value");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a",
        "FLAGRAMP_SHARD_SELECTOR", "Flagramp.io/shard=a")))
        .hasMessageStartingWith("FLAGRAMP_SHARD_SELECTOR: \"Flagramp.io/shard=a\" is not a label selector:"
            + " \"Flagramp.io/shard\" is not a label key");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD_SELECTOR", "team=payments")))
        .hasMessageStartingWith("FLAGRAMP_SHARD_SELECTOR needs FLAGRAMP_SHARD");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "a,b",
        "FLAGRAMP_SHARD_SELECTOR", "team=payments")))
        .hasMessageStartingWith("FLAGRAMP_SHARD_SELECTOR replaces FLAGRAMP_SHARDS and FLAGRAMP_DEFAULT_SHARD");
  }

  @Test
  void refusesShardSettingsThatWouldLeaveTwoShardsOwningAChangeOrNone() {
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARDS", "a,b", "FLAGRAMP_DEFAULT_SHARD", "a")))
        .as("a shard that forgot its name would own every change")
        .hasMessageStartingWith("FLAGRAMP_SHARDS needs FLAGRAMP_SHARD");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "d", "FLAGRAMP_SHARDS", "a,b")))
        .hasMessage("FLAGRAMP_SHARDS: [a, b] does not name this shard, \"d\" (FLAGRAMP_SHARD)");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "a,b,a")))
        .hasMessage("FLAGRAMP_SHARDS: [a, b, a] names a shard twice");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_DEFAULT_SHARD", "a")))
        .hasMessageStartingWith("FLAGRAMP_DEFAULT_SHARD: \"a\" is not one of FLAGRAMP_SHARDS []");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "a,b",
        "FLAGRAMP_DEFAULT_SHARD", "c")))
        .hasMessageStartingWith("FLAGRAMP_DEFAULT_SHARD: \"c\" is not one of FLAGRAMP_SHARDS [a, b]");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "Shard_A")))
        .hasMessageStartingWith("FLAGRAMP_SHARD: \"Shard_A\" is not a shard name");
    assertThatThrownBy(() -> OperatorSettings.from(Map.of("FLAGRAMP_SHARD", "a", "FLAGRAMP_SHARDS", "a,b c")))
        .hasMessageStartingWith("FLAGRAMP_SHARDS: \"b c\" is not a shard name");
  }
}
