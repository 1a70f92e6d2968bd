package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
            + " prometheusAddress=<none>");
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
    assertThat(s.planner().defaultPrometheus()).isTrue();
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
}
