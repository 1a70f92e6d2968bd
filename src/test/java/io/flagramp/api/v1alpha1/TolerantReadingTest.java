package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.operator.Clients;
import org.junit.jupiter.api.Test;

/** No value in a stored ScalingChange can make reading it fail; what cannot be read is named. */
class TolerantReadingTest {

  private static final String CHANGE = """
      {"apiVersion":"flagramp.io/v1alpha1","kind":"ScalingChange",
       "metadata":{"name":"use-redis","namespace":"social","uid":"u-1"},
       "spec":{"flag":{"configMapName":"app-features","percentageKey":"P"},
               "steps":[{"weight":10,"pause":"1m"}],
               "analysis":{"interval":"1m","metrics":[{"name":"error-rate","query":"q","max":0.01,
                 "failureLimit":%s}],"onProviderError":{"consecutiveErrorLimit":%s}}},
       "status":{"attempt":%s,"phase":"Progressing"}}""";

  @Test
  void numbersTooLargeForTheirJavaTypeAreLeftOutAndNamedNotThrown() {
    ScalingChange sc = Clients.serialization().unmarshal(
        CHANGE.formatted("2147483648", "9223372036854775807", "1"), ScalingChange.class);

    assertThat(sc.getSpec().unreadable()).hasSize(2);
    assertThat(sc.getSpec().unreadable().get(0))
        .isEqualTo("spec.analysis.metrics[0].failureLimit: cannot be read: 2147483648 is out of range (an integer)");
    assertThat(sc.getSpec().unreadable().get(1)).startsWith("spec.analysis.onProviderError.consecutiveErrorLimit:");
    assertThat(sc.getSpec().getFlag().getConfigMapName()).as("the rest is read").isEqualTo("app-features");
    assertThat(sc.getStatus().unreadable()).isEmpty();
  }

  @Test
  void aStatusThatCannotBeReadIsNamedToo() {
    ScalingChange sc = Clients.serialization().unmarshal(CHANGE.formatted("1", "1", "\"many\""), ScalingChange.class);

    assertThat(sc.getSpec().unreadable()).isEmpty();
    assertThat(sc.getStatus().unreadable()).singleElement().asString().startsWith("status.attempt: cannot be read");
    assertThat(sc.getStatus().getPhase()).isEqualTo(Phase.Progressing);
  }

  @Test
  void theClonerKeepsWhatCouldNotBeRead() {
    ScalingChange sc = Clients.serialization().unmarshal(
        CHANGE.formatted("2147483648", "1", "1"), ScalingChange.class);

    ScalingChange copy = Clients.cloner(Clients.serialization()).clone(sc);

    assertThat(copy.getSpec().unreadable()).isEqualTo(sc.getSpec().unreadable());
  }
}
